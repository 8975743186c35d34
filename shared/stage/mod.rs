//! What runs the demos and the two-terminal programs: transcripts, hooks, the command
//! line, input, reports, measurements. May import from both other layers.

pub mod cli;
pub mod commands;
pub mod demo;
pub mod echo;
pub mod input;
pub mod measure;
pub mod progress;
pub mod report;
pub mod serve;
pub mod tcp_state;
pub mod transcript;
