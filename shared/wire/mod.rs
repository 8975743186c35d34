//! What the notes teach: the calls and formats a learner writes out in `notes.rs`, kept
//! here once an earlier lesson has written them out. Nothing in this layer imports from
//! [`crate::guard`] or [`crate::stage`].

pub mod auth;
pub mod chat;
pub mod checksum;
pub mod clock;
pub mod encoding;
pub mod fast_framing;
pub mod files;
pub mod framing;
pub mod header;
pub mod nagle;
pub mod net;
pub mod udp;
