//! The command line every lesson shares: `server` / `client` with `--host` / `--port`.
//!
//! ```text
//! cargo run --example 02_tcp_loop                       # the demo: both sides, one process
//! cargo run --example 02_tcp_loop -- server             # terminal 1
//! cargo run --example 02_tcp_loop -- client             # terminal 2
//! cargo run --example 02_tcp_loop -- server --port 0    # any free port; it prints which
//! ```

use crate::wire::net::{self, ListenOptions, DEFAULT_HOST, DEFAULT_PORT};
use crate::{say, Transcript};
use clap::{Args, Subcommand};
use std::io;

/// The two halves of a lesson, for two terminals, as the course writes them and as the
/// notes do. No subcommand runs the demo.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// Run only the course's server (start it first, in terminal 1). It prints the address
    /// it bound.
    Server(Endpoint),
    /// Run only the course's client (in terminal 2), then type what it sends; `q` or end of
    /// input (Ctrl-D) quits.
    Client(Endpoint),
    /// Run the notes' server, in plain Rust (the lesson's notes.rs), on the notes' address
    /// unless told otherwise.
    NotesServer(NotesEndpoint),
    /// Run the notes' client, in plain Rust (the lesson's notes.rs), against the notes'
    /// address unless told otherwise.
    NotesClient(NotesEndpoint),
}

/// Where the notes' program (a lesson's `notes.rs`) listens or connects: the address the
/// notes hard-code (`('127.0.0.1', 9696)` in notes A), unless `--host` or `--port` say
/// otherwise.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct NotesEndpoint {
    /// Host name or IP address [default: the notes' own]
    #[arg(long)]
    pub host: Option<String>,
    /// TCP/UDP port; for the server, 0 asks the OS for a free one [default: the notes' own]
    #[arg(long)]
    pub port: Option<u16>,
}

impl NotesEndpoint {
    /// The host and port given, or else the notes' own.
    pub fn or(&self, host: &str, port: u16) -> (String, u16) {
        (
            self.host.clone().unwrap_or_else(|| host.to_owned()),
            self.port.unwrap_or(port),
        )
    }
}

/// What a lesson's `--help` says in Chinese: its about line, its long about, and the about
/// line of each of its own subcommands or options, by name. The subcommands and options
/// every lesson shares (`server`, `client`, `notes-server`, `notes-client`, `--host`,
/// `--port`, `--lang`, `--help`) have their Chinese here already.
#[derive(Debug, Clone, Copy)]
pub struct ZhHelp {
    /// The first line of `--help` and `-h`.
    pub about: &'static str,
    /// The rest of `--help`.
    pub long_about: &'static str,
    /// `(subcommand, about)`: the lesson's own subcommands.
    pub subcommands: &'static [(&'static str, &'static str)],
    /// `(option, help)`: the lesson's own options, by their long name without dashes.
    pub options: &'static [(&'static str, &'static str)],
}

/// The Chinese of what every lesson's command line shares.
const SHARED_SUBCOMMANDS: &[(&str, &str)] = &[
    (
        "server",
        "只运行课程的服务端（先在终端 1 启动），它会打印绑定到的地址",
    ),
    (
        "client",
        "只运行课程的客户端（在终端 2），然后输入要发送的内容；q 或输入结束（Ctrl-D）退出",
    ),
    (
        "notes-server",
        "运行笔记的服务端，用纯 Rust 写成（本课的 notes.rs），默认用笔记自己的地址",
    ),
    (
        "notes-client",
        "运行笔记的客户端，用纯 Rust 写成（本课的 notes.rs），默认连接笔记自己的地址",
    ),
];
const SHARED_OPTIONS: &[(&str, &str)] = &[
    (
        "host",
        "主机名或 IP 地址（IPv4 或 IPv6，例如 127.0.0.1、localhost、::1）",
    ),
    (
        "port",
        "TCP/UDP 端口；服务端用 0 表示让操作系统选一个空闲端口",
    ),
];

/// Parses the command line as clap does, with `--lang en|zh` on every lesson (or the
/// locale: `LANG=zh_CN.UTF-8`), plus the hint clap cannot give: an address given before
/// the side (`02_tcp_loop --port 9000`) belongs after it (`02_tcp_loop server --port
/// 9000`).
pub fn parse<C: clap::Parser>() -> C {
    parse_with(None)
}

/// [`parse`], with the lesson's `--help` in Chinese when the programs speak Chinese.
pub fn parse_in<C: clap::Parser>(zh: &ZhHelp) -> C {
    parse_with(Some(zh))
}

fn parse_with<C: clap::Parser>(zh: Option<&ZhHelp>) -> C {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The language first: it decides the language of --help and of the errors below.
    if let Some(name) = lang_arg(&args) {
        match crate::lang::parse(&name) {
            Ok(lang) => crate::lang::set(lang),
            Err(e) => {
                crate::guard::ending::to_stderr(&format!("error: --lang {name}: {e}"));
                std::process::exit(2);
            }
        }
    }
    let mut command = with_lang_option(C::command());
    if crate::lang::zh() {
        // The usage lines are rendered before parsing, so the program's name is set as
        // clap would set it from argv[0].
        if let Some(name) = args
            .first()
            .and_then(|a| std::path::Path::new(a).file_name())
            .and_then(|f| f.to_str())
        {
            command = command.bin_name(name);
        }
        command = in_chinese(command, zh);
    }
    let parsed = command
        .try_get_matches_from_mut(args)
        .and_then(|mut matches| C::from_arg_matches_mut(&mut matches));
    match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let e = e.format(&mut command);
            let misplaced = e.kind() == clap::error::ErrorKind::UnknownArgument
                && ["--port", "--host"]
                    .iter()
                    .any(|flag| e.to_string().contains(flag));
            if !misplaced {
                e.exit();
            }
            let _ = e.print();
            let program = std::env::args().next().unwrap_or_default();
            let program = std::path::Path::new(&program)
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            crate::guard::ending::to_stderr(&crate::tr!(
                    "hint: --host and --port belong to a side: `{program} server --port N` in one \
                     terminal, `{program} client --port N` in the other"
                        | "提示：--host 和 --port 要写在哪一端的后面：一个终端里 `{program} server --port N`，另一个终端里 `{program} client --port N`"
            ));
            std::process::exit(2);
        }
    }
}

/// The value of `--lang X` or `--lang=X`, wherever it stands.
fn lang_arg(args: &[std::ffi::OsString]) -> Option<String> {
    let mut args = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        if arg == "--lang" {
            return args.next().map(|v| v.into_owned());
        }
        if let Some(value) = arg.strip_prefix("--lang=") {
            return Some(value.to_owned());
        }
    }
    None
}

/// `--lang` on the command and all its subcommands (read before clap, see [`lang_arg`];
/// declared so that `--help` lists it and clap accepts it).
fn with_lang_option(command: clap::Command) -> clap::Command {
    command.arg(
        clap::Arg::new("lang")
            .long("lang")
            .global(true)
            .value_name("en|zh")
            .help(crate::tr!(
                "The language the program speaks: en or zh [default: from LC_ALL/LC_MESSAGES/LANG]"
                    | "程序输出用的语言：en 或 zh［默认：取自 LC_ALL/LC_MESSAGES/LANG］"
            )),
    )
}

/// The command's help in Chinese: the lesson's texts, the shared ones, clap's headings.
fn in_chinese(mut command: clap::Command, zh: Option<&ZhHelp>) -> clap::Command {
    let (own_subcommands, own_options) =
        zh.map_or((&[][..], &[][..]), |zh| (zh.subcommands, zh.options));
    if let Some(zh) = zh {
        command = command.about(zh.about).long_about(zh.long_about);
    }
    command = chinese_chrome(command, own_options);
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let about = own_subcommands
            .iter()
            .chain(SHARED_SUBCOMMANDS)
            .find(|(n, _)| *n == name)
            .map(|(_, about)| *about);
        command = command.mut_subcommand(&name, |sub| {
            let sub = match about {
                Some(about) => sub.about(about).long_about(None::<&str>),
                None => sub,
            };
            chinese_chrome(sub, own_options)
        });
    }
    chinese_usage(command)
}

/// The usage lines with clap's placeholders in Chinese (`用法：04_sticky_demo [选项] [子命令]`).
/// clap has no setting for those words, so the lines it renders are rewritten and put back
/// with `override_usage`, on the command and on each subcommand.
fn chinese_usage(mut command: clap::Command) -> clap::Command {
    command.build();
    let top = zh_usage(&command.render_usage().to_string());
    let subs: Vec<(String, String)> = command
        .get_subcommands_mut()
        .map(|sub| {
            let usage = zh_usage(&sub.render_usage().to_string());
            (sub.get_name().to_owned(), usage)
        })
        .collect();
    command = command.override_usage(top);
    for (name, usage) in subs {
        command = command.mut_subcommand(&name, |sub| sub.override_usage(usage));
    }
    command
}

/// One rendered usage (`Usage: x [OPTIONS] [COMMAND]`, maybe several lines) in Chinese.
fn zh_usage(rendered: &str) -> String {
    rendered
        .lines()
        .map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("Usage:").unwrap_or(line).trim();
            line.replace("[OPTIONS]", "[选项]")
                .replace("[COMMAND]", "[子命令]")
                .replace("<COMMAND>", "<子命令>")
        })
        .collect::<Vec<_>>()
        .join("\n      ")
}

/// One command's headings, help and version flags and shared options in Chinese (clap's
/// own texts are English; its error messages stay so).
fn chinese_chrome(
    command: clap::Command,
    own_options: &[(&'static str, &'static str)],
) -> clap::Command {
    let mut template = String::from("{before-help}{about-with-newline}\n用法：{usage}\n");
    if command.get_subcommands().next().is_some() {
        template.push_str("\n子命令：\n{subcommands}\n");
    }
    if command.get_positionals().next().is_some() {
        template.push_str("\n参数：\n{positionals}\n");
    }
    template.push_str("\n选项：\n{options}{after-help}");
    let has_version = command.get_version().is_some();
    let mut command = command
        .help_template(template)
        .disable_help_subcommand(true)
        .disable_help_flag(true)
        .arg(
            clap::Arg::new("help")
                .short('h')
                .long("help")
                .action(clap::ArgAction::Help)
                .help("显示帮助（-h 只显示摘要）"),
        );
    if has_version {
        command = command.disable_version_flag(true).arg(
            clap::Arg::new("version")
                .short('V')
                .long("version")
                .action(clap::ArgAction::Version)
                .help("显示版本"),
        );
    }
    let ids: Vec<String> = command
        .get_arguments()
        .map(|a| a.get_id().as_str().to_owned())
        .collect();
    for id in ids {
        let help = own_options
            .iter()
            .chain(SHARED_OPTIONS)
            .find(|(n, _)| *n == id)
            .map(|(_, help)| *help);
        command = command.mut_arg(&id, |arg| {
            let Some(help) = help else { return arg };
            // A flag (`--watch`) has no value and no default to show; clap refuses
            // hide_default_value on it.
            if !arg.get_action().takes_values() {
                return arg.help(help).long_help(None::<&str>);
            }
            // clap's "[default: …]" in Chinese brackets.
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            let help = if defaults.is_empty() || arg.is_hide_default_value_set() {
                help.to_owned()
            } else {
                format!("{help}［默认：{}］", defaults.join(", "))
            };
            let arg = arg.help(help).long_help(None::<&str>);
            // A flag has no default to show, and clap refuses to hide one it has not got.
            if arg.get_action().takes_values() {
                arg.hide_default_value(true)
            } else {
                arg
            }
        });
    }
    command
}

/// A value parser for an option that takes one of a library type's values by name
/// (`--digest sha256`): `--help` lists the names with their `about` lines, and anything
/// else is refused with that list. The library's types stay free of clap.
pub fn one_of<T>(
    all: &'static [T],
    name: fn(T) -> &'static str,
    about: fn(T) -> &'static str,
) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: Copy + Send + Sync + 'static,
{
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values: Vec<PossibleValue> = all
        .iter()
        .map(|&v| PossibleValue::new(name(v)).help(about(v)))
        .collect();
    PossibleValuesParser::new(values).try_map(move |given: String| {
        all.iter()
            .copied()
            .find(|&v| name(v) == given)
            .ok_or_else(|| format!("unknown value {given:?}"))
    })
}

/// Where the server listens, or where the client connects.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or IP address (IPv4 or IPv6, e.g. 127.0.0.1, localhost, ::1)
    #[arg(long, default_value = DEFAULT_HOST)]
    pub host: String,
    /// TCP/UDP port; for the server, 0 asks the OS for a free one
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
}

impl Endpoint {
    /// Binds a listener here and prints `[server] listening on ADDR` with the address it
    /// really got, so that `--port 0` is usable: the line says which port the OS picked.
    pub fn listen(&self, options: ListenOptions) -> io::Result<std::net::TcpListener> {
        let listener = net::listen_on(&self.host, self.port, options)?;
        say!(
            Transcript::server(),
            "listening on {}" | "在 {} 上监听",
            listener.local_addr()?
        );
        Ok(listener)
    }

    /// Connects to the server here.
    pub fn connect(&self) -> io::Result<std::net::TcpStream> {
        self.check_client_port()?;
        net::connect(&self.host, self.port)
    }

    /// The server's address, for a UDP client (which has no connect to try).
    pub fn server_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.check_client_port()?;
        self.addr()
    }

    /// Port 0 means "any free port": something only a server can ask the OS for. A client
    /// needs the port its server printed.
    fn check_client_port(&self) -> io::Result<()> {
        if self.port == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                crate::tr!(
                    "a client needs the server's port: --port 0 asks the OS for any free port, \
                     which only a server can do (use the port the server printed)"
                        | "客户端需要服务端的端口：--port 0 是让操作系统随便给一个空闲端口，只有服务端能这样做（请用服务端打印出来的那个端口）"
                ),
            ));
        }
        Ok(())
    }

    /// The first address the host resolves to (for UDP, which has no connect to try).
    pub fn addr(&self) -> io::Result<std::net::SocketAddr> {
        // resolve never returns an empty list: no address is an error.
        Ok(net::resolve(&self.host, self.port)?[0])
    }
}

/// How a command client shows the server's answers (lessons 07 and 08): the bytes read as
/// text in this encoding. The notes decode with `gbk` because their server was a Chinese
/// Windows; see [`crate::wire::encoding`].
#[derive(Args, Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerText {
    /// How to read the answers as text: gbk for a Chinese Windows server (the notes'
    /// decode('gbk')), utf-8, or a Windows code page number such as 936 [default: this
    /// console's code page on Windows, utf-8 elsewhere]
    #[arg(long, value_name = "NAME", value_parser = crate::wire::encoding::parse)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

impl AnswerText {
    /// The encoding asked for, or the default for this machine.
    pub fn encoding(&self) -> &'static encoding_rs::Encoding {
        self.encoding
            .unwrap_or_else(crate::wire::encoding::default_encoding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(subcommand)]
        side: Option<Side>,
    }

    #[derive(Parser, Debug)]
    struct Pick {
        #[arg(long, default_value = "two", value_parser = one_of(&[1u8, 2], |n| if n == 1 { "one" } else { "two" }, |_| "a number"))]
        n: u8,
    }

    #[test]
    fn one_of_takes_a_name_and_refuses_the_rest() {
        assert_eq!(Pick::try_parse_from(["x"]).unwrap().n, 2);
        assert_eq!(Pick::try_parse_from(["x", "--n", "one"]).unwrap().n, 1);
        let err = Pick::try_parse_from(["x", "--n", "three"]).unwrap_err();
        assert!(
            err.to_string().contains("[possible values: one, two]"),
            "{err}"
        );
    }

    #[test]
    fn no_subcommand_means_the_demo() {
        assert_eq!(Cli::try_parse_from(["x"]).unwrap().side, None);
    }

    #[test]
    fn server_and_client_default_to_the_notes_address() {
        let cli = Cli::try_parse_from(["x", "server"]).unwrap();
        let want = Endpoint {
            host: "127.0.0.1".into(),
            port: 9696,
        };
        assert_eq!(cli.side, Some(Side::Server(want)));
        let cli = Cli::try_parse_from(["x", "client", "--host", "::1", "--port", "0"]).unwrap();
        let want = Endpoint {
            host: "::1".into(),
            port: 0,
        };
        assert_eq!(cli.side, Some(Side::Client(want)));
    }
}
