//! What the receiver (or a capture being loaded) hands to the consumer: the request, what it
//! normalised to, and where it sits in the capture file.
//!
//! Edge-neutral plain data. The channel carrying it is bounded; the receiver never waits on it
//! (a full channel sends requests the long way, through the capture file: see
//! [`crate::backlog`]), while a loader does wait for room.

use crate::envelope::Envelope;
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
