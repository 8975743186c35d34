//! The command line: the demo with no subcommand, or one side for two terminals.

use clap::{Parser, Subcommand};
use socket_lessons::stage::cli::{NotesEndpoint, ZhHelp};
use socket_lessons::wire::chat;
use socket_lessons::wire::clock::Clock;
use socket_lessons::Endpoint;
use std::net::SocketAddr;

/// Lesson 12: UDP chat between named peers, and a time server (notes C qq聊天 and
/// 自制时间服务器, notes E 聊天).
///
/// With no subcommand, runs a chat between alice and bob, then the time server with a fixed
/// clock, in one process. For terminals: `chat --name NAME --port PORT [--peer
/// NAME=HOST:PORT]…` once per person; or `server` (time) first, then `client`.
#[derive(Parser)]
#[command(version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) side: Option<Side>,
}

#[derive(Subcommand)]
pub(crate) enum Side {
    /// A chat peer: type `@name text` to write to someone, plain text to answer whoever you
    /// wrote to or heard from last, `q` to quit. Incoming messages print as they come.
    Chat {
        /// Your name, sent with every message (1-32 characters; no spaces, [ ] @ =)
        #[arg(long, value_parser = check_peer_name)]
        name: String,
        #[command(flatten)]
        at: Endpoint,
        /// Someone to write to, as NAME=HOST:PORT (repeat for more). Whoever writes to
        /// you is added by itself.
        #[arg(long = "peer", value_parser = chat::parse_peer)]
        peers: Vec<(String, SocketAddr)>,
    },
    /// The time server (start it first): answers each datagram with the time in the format
    /// the datagram carries.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// Answer with this instant instead of the clock (RFC 3339, e.g.
        /// 2021-07-25T22:07:26+08:00)
        #[arg(long, value_parser = Clock::fixed)]
        fixed_time: Option<Clock>,
    },
    /// The time client: each line is a format (`%Y %m %d`, or empty for the default);
    /// `q` quits.
    Client(Endpoint),
    /// Run the notes' chat server (notes C qq聊天), in plain Rust (notes.rs), on the notes'
    /// address unless told otherwise: it prints each message and sends back the line you
    /// type.
    NotesServer(NotesEndpoint),
    /// Run the notes' chat client, in plain Rust (notes.rs): type a name (taibai), then
    /// messages, each waiting for its answer; `q` picks another name.
    NotesClient(NotesEndpoint),
    /// Run the notes' time server (notes C 自制时间服务器), in plain Rust (notes_c_time.rs),
    /// on the notes' address unless told otherwise.
    NotesTimeServer(NotesEndpoint),
    /// Run the notes' time client, in plain Rust (notes_c_time.rs): each line is a format.
    NotesTimeClient(NotesEndpoint),
}

/// `--help` in Chinese.
pub(crate) const ZH: ZhHelp = ZhHelp {
    about: "第 12 课：带名字的 UDP 聊天，以及时间服务器（笔记 C qq聊天和自制时间服务器，笔记 E 聊天）。",
    long_about: "第 12 课：带名字的 UDP 聊天，以及时间服务器（笔记 C qq聊天和自制时间服务器，笔记 E 聊天）。\n\n\
                 不带子命令时，在一个进程里先让 alice 和 bob 聊天，再运行时钟固定的时间服务器。\
                 多个终端：每人一个 chat --name 名字 --port 端口 [--peer 名字=主机:端口]…；\
                 或者先启动 server（时间服务器），再启动 client。",
    subcommands: &[
        ("chat", "一个聊天的对端：输入 @名字 文字 发给某人，只输入文字就发给上一个你写给他、或者他写给你的人，q 退出。收到的消息随到随打印"),
        ("server", "时间服务器（先启动）：用每个数据报里带的格式，回答当前时间"),
        ("client", "时间客户端：每一行是一个时间格式（%Y %m %d，或者直接回车用默认格式）；q 退出"),
        ("notes-server", "运行笔记的聊天服务端（笔记 C qq聊天），用纯 Rust 写成（notes.rs），默认用笔记自己的地址：打印收到的每条消息，再把你输入的一行发回去"),
        ("notes-client", "运行笔记的聊天客户端，用纯 Rust 写成（notes.rs）：先输入一个名字（taibai），再输入消息，每条都等它的回答；q 换一个名字"),
        ("notes-time-server", "运行笔记的时间服务器（笔记 C 自制时间服务器），用纯 Rust 写成（notes_c_time.rs），默认用笔记自己的地址"),
        ("notes-time-client", "运行笔记的时间客户端，用纯 Rust 写成（notes_c_time.rs）：每一行是一个时间格式"),
    ],
    options: &[
        ("name", "你的名字，随每条消息一起发出（1 到 32 个字符；不能有空格和 [ ] @ =）"),
        ("peers", "要写信的人，写成 名字=主机:端口（可以重复多次）。谁给你写信，谁就会自动加进来"),
        ("fixed_time", "不看时钟，总是用这个时刻回答（RFC 3339，例如 2021-07-25T22:07:26+08:00）"),
    ],
};

fn check_peer_name(name: &str) -> Result<String, String> {
    chat::check_peer_name(name).map(|()| name.to_owned())
}
