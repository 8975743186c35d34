//! Names on a UDP chat (lesson 12, notes C qq聊天, notes E 聊天).
//!
//! A chat message is one datagram of UTF-8 text. The course tags it with the sender's
//! name, `[alice] 你好`, so that the receiver can say who wrote it and learn where to answer;
//! the notes' programs send untagged text, which the lesson shows with the sender's
//! address instead. Nothing else is on the wire: UDP keeps each message whole (lesson 05).

use std::net::SocketAddr;

/// The longest name, in characters.
pub const MAX_PEER_NAME_LEN: usize = 32;

/// A name is 1 to 32 characters, none of them space, control, `[`, `]`, `@` or `=`
/// (which the tag, the `@name` input and `--peer name=addr` use).
pub fn check_peer_name(name: &str) -> Result<(), String> {
    let count = name.chars().count();
    if count == 0 || count > MAX_PEER_NAME_LEN {
        return Err(crate::tr!(
            "a name has 1 to {MAX_PEER_NAME_LEN} characters, not {count}"
                | "名字要有 1 到 {MAX_PEER_NAME_LEN} 个字符，而不是 {count} 个"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || "[]@=".contains(*c))
    {
        return Err(crate::tr!(
            "{name:?}: a name cannot contain {c:?}" | "{name:?}：名字里不能有 {c:?}"
        ));
    }
    Ok(())
}

/// The datagram for `text` from `name`: `[name] text`.
pub fn tag(name: &str, text: &str) -> Vec<u8> {
    format!("[{name}] {text}").into_bytes()
}

/// Splits a received message into its sender's name, when it is tagged with a valid one,
/// and the text.
pub fn untag(message: &str) -> (Option<&str>, &str) {
    if let Some(rest) = message.strip_prefix('[') {
        if let Some((name, text)) = rest.split_once("] ") {
            if check_peer_name(name).is_ok() {
                return (Some(name), text);
            }
        }
    }
    (None, message)
}

/// `--peer NAME=HOST:PORT`, as clap's value parser.
pub fn parse_peer(arg: &str) -> Result<(String, SocketAddr), String> {
    let (name, addr) = arg.split_once('=').ok_or_else(|| {
        crate::tr!(
            "{arg:?}: expected NAME=HOST:PORT, e.g. bob=127.0.0.1:9697"
                | "{arg:?}：应该写成 名字=主机:端口，例如 bob=127.0.0.1:9697"
        )
    })?;
    check_peer_name(name)?;
    let (host, port) = addr.rsplit_once(':').ok_or_else(|| {
        crate::tr!("{addr:?}: expected HOST:PORT" | "{addr:?}：应该写成 主机:端口")
    })?;
    let port: u16 = port
        .parse()
        .map_err(|_| crate::tr!("{port:?} is not a port number" | "{port:?} 不是端口号"))?;
    // resolve never returns an empty list: no address is an error.
    let addr = crate::wire::net::resolve(host, port).map_err(|e| crate::lang::error_text(&e))?[0];
    Ok((name.to_owned(), addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tagged_message_says_who_sent_it() {
        let message = String::from_utf8(tag("alice", "你好, bob")).unwrap();
        assert_eq!(message, "[alice] 你好, bob");
        assert_eq!(untag(&message), (Some("alice"), "你好, bob"));
    }

    #[test]
    fn untagged_or_badly_tagged_messages_are_plain_text() {
        assert_eq!(untag("发给taibai: hi"), (None, "发给taibai: hi"));
        assert_eq!(untag("[] empty"), (None, "[] empty"));
        assert_eq!(untag("[two words] x"), (None, "[two words] x"));
        assert_eq!(untag("[alice]no space"), (None, "[alice]no space"));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_peer_name("赵丽颖").is_ok());
        assert!(check_peer_name("").is_err());
        assert!(check_peer_name(&"x".repeat(33)).is_err());
        assert!(check_peer_name("a b").is_err());
        assert!(check_peer_name("a]").is_err());
        assert!(check_peer_name("a\u{7}").is_err());
    }

    #[test]
    fn peers_are_name_equals_address() {
        let (name, addr) = parse_peer("bob=127.0.0.1:9697").unwrap();
        assert_eq!(
            (name.as_str(), addr.to_string().as_str()),
            ("bob", "127.0.0.1:9697")
        );
        assert!(parse_peer("bob").is_err());
        assert!(parse_peer("b b=127.0.0.1:1").is_err());
        assert!(parse_peer("bob=nowhere").is_err());
    }
}
