//! Lesson 08's command line: the demo, or one side for two terminals.

use clap::{Parser, Subcommand};
use socket_lessons::guard::limits::DEFAULT_IDLE_SECS;
use socket_lessons::guard::shell;
use socket_lessons::stage::cli::{AnswerText, NotesEndpoint, ZhHelp};
use socket_lessons::Endpoint;

/// `--help` in Chinese.
pub(crate) const ZH: ZhHelp = ZhHelp {
    about: "第 08 课：JSON 报头，带真正的 md5（笔记 C 方案二，笔记 D 完整版，笔记 B 自定义协议）。",
    long_about: "第 08 课：JSON 报头，带真正的 md5（笔记 C 方案二，笔记 D 完整版，笔记 B 自定义协议）。\n\n\
                 不带子命令时，展示传输格式上的一条消息、一个校验通过的回答、一个用七种方式说谎的服务端，\
                 以及为什么 JSON 里的大小没有 2 GiB 的上限。两个终端：先启动 server，再启动 client；\
                 输入命令，q 退出。",
    subcommands: &[
        ("server", "只运行服务端（先启动它）。它以启动它的用户的身份，通过 shell 执行客户端发来的命令"),
        ("client", "只运行客户端。输入命令；q 或输入结束（Ctrl-D）退出"),
        ("notes-server", "运行笔记的服务端（笔记 D），用纯 Rust 写成（notes.rs），默认用笔记自己的地址（127.0.0.1:8090）。没有任何限制：客户端发来什么，它就以你的身份执行什么"),
        ("notes-client", "运行笔记的客户端（笔记 D），用纯 Rust 写成（notes.rs），默认连接 127.0.0.1:8090。输入命令；输入结束（Ctrl-D）时退出"),
    ],
    options: &[
        ("time_limit", "一条命令最多运行多少秒，超过就杀掉它"),
        ("idle_limit", "等客户端下一条命令最多等多少秒，超时就关闭它"),
        ("session_limit", "一条连接总共最多服务多少秒，到时就关闭它（这样不停发送的客户端也不能永远占着这个一次只服务一个客户端的服务端）"),
        ("encoding", "把回答当作文本来读时用的编码：gbk 用于中文 Windows 服务端（笔记的 decode('gbk')），utf-8，或者 Windows 代码页号，例如 936［默认：在 Windows 上是这个控制台的代码页，其他系统是 utf-8］"),
    ],
};

/// Lesson 08: a JSON header with a real md5 (notes C 方案二, D 完整版, B 自定义协议).
///
/// With no subcommand, shows a message on the wire, a verified answer, a server that lies
/// in seven ways, and why a JSON size has no 2 GiB ceiling. For two terminals: start
/// `server` first, then `client`; type commands, `q` quits.
#[derive(Parser)]
#[command(version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) side: Option<Side>,
}

#[derive(Subcommand)]
pub(crate) enum Side {
    /// Run only the server (start it first). It runs what clients send through the shell,
    /// as the user who started it.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// Seconds a command may run before it is killed (at most a day: a limit past the
        /// clock's range made the server panic at the first command, an attack)
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        time_limit: u64,
        /// The longest wait, in seconds, for a client's next command before closing it
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_IDLE_SECS)]
        idle_limit: u64,
        /// How long, in seconds, one connection is served in all before it is closed (so
        /// that a client that keeps sending cannot hold this one-at-a-time server for ever)
        #[arg(long, value_name = "SECS", default_value_t = shell::DEFAULT_SESSION_SECS,
              value_parser = clap::value_parser!(u64).range(1..))]
        session_limit: u64,
    },
    /// Run only the client. Type commands; `q` or end of input quits.
    Client {
        #[command(flatten)]
        at: Endpoint,
        #[command(flatten)]
        text: AnswerText,
    },
    /// Run the notes' server (notes D) in plain Rust (notes.rs), on the notes' address
    /// (127.0.0.1:8090) unless told otherwise. No limits: it runs what clients send, as you.
    NotesServer(NotesEndpoint),
    /// Run the notes' client (notes D) in plain Rust (notes.rs), against 127.0.0.1:8090
    /// unless told otherwise. Type commands; end of input quits.
    NotesClient(NotesEndpoint),
}
