//! Lesson 11's three servers, each as a real process, against 200 clients connected at the
//! same time (plus one that connects and never sends, which stalled the notes' own server),
//! from four loopback addresses, 50 each: one address may have at most 100.

mod common;

use common::{example, Running, WAIT};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Instant;

const CLIENTS: usize = 200;
const ROUNDS: usize = 3;

/// A barrier with a time limit: a client that failed never arrives, and the others must
/// then fail too instead of waiting for ever.
struct Gate {
    arrived: Mutex<usize>,
    all_in: Condvar,
    expected: usize,
}

impl Gate {
    fn new(expected: usize) -> Arc<Gate> {
        Arc::new(Gate {
            arrived: Mutex::new(0),
            all_in: Condvar::new(),
            expected,
        })
    }

    fn pass(&self, who: usize) -> Result<(), String> {
        let deadline = Instant::now() + WAIT;
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        self.all_in.notify_all();
        while *arrived < self.expected {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "client {who}: only {} of {} clients got this far within {WAIT:?}",
                    *arrived, self.expected
                ));
            }
            arrived = self.all_in.wait_timeout(arrived, left).unwrap().0;
        }
        Ok(())
    }
}

/// Client `i`'s connection, from 127.0.0.1 to 127.0.0.4 in turn (all loopback on Linux):
/// the server takes at most 100 connections from one address.
fn connect_from(i: usize, port: u16) -> std::io::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    let from = [127, 0, 0, 1 + (i % 4) as u8];
    socket.bind(&std::net::SocketAddr::from((from, 0)).into())?;
    socket.connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    Ok(socket.into())
}

fn serves_clients_at_once(way: &str) {
    let mut server = Running::server(
        example("11_concurrent_server"),
        &["server", "--port", "0", "--way", way],
    );
    let port = server.port;

    // A client that connects first and then says nothing for the whole test. In the notes'
    // loop its blocking recv would hold up everyone else.
    let quiet = TcpStream::connect(("127.0.0.1", port)).expect("connect the quiet client");

    // Connected: every client has its connection. Served: every client has had one
    // answer, so the server has accepted all of them and none has left yet.
    let connected = Gate::new(CLIENTS);
    let served = Gate::new(CLIENTS);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (connected, served) = (Arc::clone(&connected), Arc::clone(&served));
            thread::spawn(move || -> Result<(), String> {
                let mut stream =
                    connect_from(i, port).map_err(|e| format!("client {i}: connect: {e}"))?;
                stream.set_read_timeout(Some(WAIT)).unwrap();
                connected.pass(i)?;
                for round in 0..ROUNDS {
                    let message = format!("client {i} round {round}: héllo");
                    stream
                        .write_all(message.as_bytes())
                        .map_err(|e| format!("client {i}: send: {e}"))?;
                    // The reply may come in pieces: read exactly its length.
                    let mut reply = vec![0u8; message.to_ascii_uppercase().len()];
                    stream
                        .read_exact(&mut reply)
                        .map_err(|e| format!("client {i} round {round}: no full reply: {e}"))?;
                    if reply != message.to_ascii_uppercase().as_bytes() {
                        return Err(format!(
                            "client {i} round {round}: got {:?}",
                            String::from_utf8_lossy(&reply)
                        ));
                    }
                    if round == 0 {
                        served.pass(i)?;
                    }
                }
                Ok(())
            })
        })
        .collect();
    let failures: Vec<String> = clients
        .into_iter()
        .filter_map(|c| c.join().expect("client thread").err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} clients failed: {failures:#?}",
        failures.len()
    );

    // The quiet client plus all 200 were connected at the same moment.
    server.line_containing(&format!("({} connected)", CLIENTS + 1));
    drop(quiet);
    server.line_containing("(0 still connected)");
}

#[test]
fn the_busy_loop_serves_200_clients_at_once() {
    serves_clients_at_once("busy");
}

#[test]
fn the_thread_per_client_server_serves_200_clients_at_once() {
    serves_clients_at_once("threads");
}

#[test]
fn the_polling_server_serves_200_clients_at_once() {
    serves_clients_at_once("poll");
}
