//! What the receiver (or a capture being loaded) hands to the consumer: the request, what it
//! normalised to, and where it sits in the capture file.
//!
//! Edge-neutral plain data. The channel carrying it is bounded; the receiver never waits on it
//! (a full channel sends requests the long way, through the capture file: see
//! [`crate::backlog`]), while a loader does wait for room.

use crate::envelope::Envelope;
use crate::forward::ForwardRecord;
use crate::provider::Normalized;
use std::sync::Arc;

/// Capacity of the ingest channel between the receiver and the screen or headless printer.
pub const INGEST_CAPACITY: usize = 4096;

/// One received request, ready to apply.
#[derive(Debug, Clone)]
pub struct Ingest {
    pub env: Arc<Envelope>,
    pub normalized: Normalized,
    /// Byte offset of the request's line in the capture file, when capturing.
    pub capture_offset: Option<u64>,
    /// Which file of this run's capture the offset is in: 0 for the file opened at start, one
    /// more each time the path was reopened after the file was deleted or moved (see
    /// [`crate::capture_path`]). An offset is never used with another file.
    pub capture_file: u32,
    /// The offset is in the file given to `--load` rather than this run's capture.
    pub from_load: bool,
}

/// A forward result (see [`crate::forward`]), with where its line sits in the capture.
#[derive(Debug, Clone)]
pub struct Forwarded {
    pub record: Arc<ForwardRecord>,
    pub capture_offset: Option<u64>,
    pub capture_file: u32,
    pub from_load: bool,
}

/// What travels to the consumer: a received request, or what the bot answered to one.
///
/// Both go the same way (the channel, or the capture file when the consumer is behind), so a
/// forward result reaches the screen after its request, and `--load` shows both again.
#[derive(Debug, Clone)]
pub enum Item {
    Request(Ingest),
    Forward(Forwarded),
}

impl From<Ingest> for Item {
    fn from(i: Ingest) -> Item {
        Item::Request(i)
    }
}

impl Item {
    /// The request's seq (a forward result's is the request it forwarded).
    pub fn seq(&self) -> u64 {
        match self {
            Item::Request(i) => i.env.seq,
            Item::Forward(f) => f.record.seq,
        }
    }

    pub fn is_forward(&self) -> bool {
        matches!(self, Item::Forward(_))
    }

    pub fn capture_offset(&self) -> Option<u64> {
        match self {
            Item::Request(i) => i.capture_offset,
            Item::Forward(f) => f.capture_offset,
        }
    }

    pub fn capture_file(&self) -> u32 {
        match self {
            Item::Request(i) => i.capture_file,
            Item::Forward(f) => f.capture_file,
        }
    }

    pub fn set_capture_file(&mut self, file: u32) {
        match self {
            Item::Request(i) => i.capture_file = file,
            Item::Forward(f) => f.capture_file = file,
        }
    }

    pub fn from_load(&self) -> bool {
        match self {
            Item::Request(i) => i.from_load,
            Item::Forward(f) => f.from_load,
        }
    }

    /// The request, if this is one.
    pub fn request(self) -> Option<Ingest> {
        match self {
            Item::Request(i) => Some(i),
            Item::Forward(_) => None,
        }
    }
}
