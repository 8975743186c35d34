//! What a hostile or broken peer makes necessary: time limits, size limits, safe saving,
//! command limits. Imports from [`crate::wire`], never from [`crate::stage`].

pub mod digest_cache;
pub mod ending;
pub mod limits;
pub mod names;
pub mod pace;
pub mod quiet;
pub mod saving;
pub mod senders;
pub mod shell;
pub mod sniff;
pub mod timed;
