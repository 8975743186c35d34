//! The notes' program, in plain Rust: notes E §6 socket进阶, 验证客户端合法性. Before any
//! service, the server sends 32 random bytes; a client that knows the shared key answers
//! with their HMAC-MD5 (16 bytes); the server computes the same and says whether the client
//! is legitimate. Then both programs end: the notes stop at the check.
//!
//! Three programs, as in the notes: the server, the client (the notes' key) and the fake
//! client (假的客户端: the same steps with another key), which the server must refuse.
//!
//! Run it in two terminals, server first:
//! `cargo run --example 10_hmac_auth -- notes-server`, then `… -- notes-client` (or
//! `… -- notes-fake-client`). Either side can be the notes' own Python program, once its
//! `hmac.new` names the digest it relied on, `'md5'`: the address and the bytes are theirs.

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use socket2::{Domain, Socket, Type};
use socket_lessons::wire::net;
use std::io::{self, Read, Write};
use std::net::TcpStream;

/// The notes' address: `ip_port = ('127.0.0.1', 1024)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 1024;

/// `length_bytes = 32`: how many random bytes the server sends.
const LENGTH_BYTES: usize = 32;

/// The key both sides share. The notes call it `salt`, but it is a secret key: a salt is
/// public. It never crosses the wire.
const SALT: &[u8] = b"hi, I'm salt.";

/// The fake client's key: `pseudo_salt`, its UTF-8 bytes.
const PSEUDO_SALT: &str = "大家好,我是假盐";

/// `hmac.new(key, …)` with the digest the notes' Python used by default until 3.8: MD5, so
/// the answer is 16 bytes. Feed it the message with `update`.
fn hmac_md5(key: &[u8]) -> Hmac<Md5> {
    // HMAC takes a key of any length (a long one is hashed first): this cannot fail.
    Hmac::<Md5>::new_from_slice(key).expect("HMAC takes a key of any length")
}

/// The server (notes E §6 # Server).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // 1. random_bytes = os.urandom(32): from the operating system's random source. The
    //    getrandom crate is Rust's os.urandom (the getrandom(2) call on Linux). One
    //    challenge, made before accept: fine for the notes' one client, but a loop around
    //    accept must make a new one each time, or one recorded answer lets anyone in.
    let mut random_bytes = [0u8; LENGTH_BYTES];
    getrandom::fill(&mut random_bytes).map_err(io::Error::other)?;

    // 2. server_results = hmac.new(salt, random_bytes): the answer a client with the key
    //    will give. Kept as a MAC, not bytes, so that step 10 can compare with it.
    let mut server_results = hmac_md5(SALT);
    server_results.update(&random_bytes);

    // `resolve` never returns an empty list (no address is an error), so [0] exists.
    let addr = net::resolve(host, port)?[0];
    // 3. socket(AF_INET, SOCK_STREAM)
    let sk = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // 4. setsockopt(SOL_SOCKET, SO_REUSEADDR, 1): a restart may bind at once (lesson 03).
    sk.set_reuse_address(true)?;
    // 5. bind(ip_port)
    sk.bind(&addr.into())?;
    // 6. listen(): Python's default backlog is 128 (or SOMAXCONN if smaller).
    sk.listen(128)?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!(
        "listening on {}",
        sk.local_addr()?.as_socket().unwrap_or(addr)
    );

    // 7. accept(): one client.
    let (conn, _addr) = sk.accept()?;
    let mut conn: TcpStream = conn.into();

    // 8. sendall(random_bytes): the challenge.
    conn.write_all(&random_bytes)?;

    // 9. client_results = recv(16): the answer.
    //    the notes: recv(16) may return fewer bytes than the client sent and so refuse a
    //    good client; read_exact waits for all 16. A client that closes sooner has not
    //    answered: not legitimate.
    let mut client_results = [0u8; 16];
    let answered = match conn.read_exact(&mut client_results) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => false,
        Err(e) => return Err(e),
    };

    // 10. if client_results != server_results: the verdict, printed on this side only.
    //     the notes: `!=` stops at the first byte that differs, so the time a refusal takes
    //     tells an attacker how many leading bytes of a guess were right; verify_slice
    //     looks at every byte, whatever they are (and refuses a wrong length).
    if answered && server_results.verify_slice(&client_results).is_ok() {
        println!("legitimate: the client knows the key");
    } else {
        println!("not legitimate: the answer is not HMAC-MD5(key, challenge)");
    }

    // The end of the program closes the connection and the listening socket.
    Ok(())
}

/// The client (notes E §6 # Client): the notes' key.
pub fn client(host: &str, port: u16) -> io::Result<()> {
    answer_the_challenge(host, port, SALT)
}

/// The fake client (notes E §6 # 假的客户端): the same steps with another key.
pub fn fake_client(host: &str, port: u16) -> io::Result<()> {
    answer_the_challenge(host, port, PSEUDO_SALT.as_bytes())
}

/// What both of the notes' clients do, with their own key.
fn answer_the_challenge(host: &str, port: u16, salt: &[u8]) -> io::Result<()> {
    // 1-2. socket() and connect_ex(ip_port): std makes the socket and connects in one call.
    //    the notes: connect_ex returns an error number they never look at, so with no
    //    server the next recv fails with a puzzling "not connected"; here a failed connect
    //    ends the client with its own error. (The notes also set SO_REUSEADDR on this
    //    socket: only a listening socket needs it, so it is left out.)
    let mut sk = TcpStream::connect((host, port))?;

    // 3. random_bytes = recv(32): the challenge.
    //    the notes: recv(32) may return fewer bytes; read_exact waits for all 32.
    let mut random_bytes = [0u8; LENGTH_BYTES];
    sk.read_exact(&mut random_bytes)?;

    // 4. client_results = hmac.new(salt, random_bytes).digest(): 16 bytes.
    let mut mac = hmac_md5(salt);
    mac.update(&random_bytes);
    let client_results = mac.finalize().into_bytes();

    // 5. sendall(client_results): the answer. The notes' client prints nothing; this says
    //    what it sends. The server's verdict is printed on the server's side only.
    println!(
        "answering a {}-byte challenge with {} bytes of HMAC-MD5",
        random_bytes.len(),
        client_results.len()
    );
    sk.write_all(&client_results)?;

    // The end of the program closes the socket.
    Ok(())
}
