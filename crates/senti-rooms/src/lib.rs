//! Live rooms: per-room sliding-window sentiment over comment streams.
//!
//! A room is a ring of 100 ms buckets ([`window`]) plus an EWMA of compound and a spike
//! detector ([`spike`]). Rooms are created by their first comment and expire when idle.
//! Transports (HTTP, gRPC, `senti replay`) score comments and hand them here; they read
//! snapshots back.

pub mod room;
pub mod spike;
pub mod window;

pub use room::{Added, Comment, Room, RoomError, RoomLimits, Rooms, Snapshot, valid_room_id};
pub use spike::{Spike, SpikeRule};
pub use window::{SecondStats, TermStat, WindowStats};
