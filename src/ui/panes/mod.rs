//! One module per screen region; each exposes `render`.

pub mod chats;
pub mod detail;
pub mod help;
pub mod input;
pub mod status;
pub mod stream;
