//! Windows and spikes with a hand-driven clock.

use senti_core::{Lang, Scores, Sentiment};
use senti_rooms::{RoomError, RoomLimits, Rooms, SpikeRule};

fn scored(compound: f64) -> Sentiment {
    Sentiment::new(
        Scores {
            compound,
            ..Default::default()
        },
        Lang::En,
        "test",
    )
}

/// A steady stream: 20 comments/s, 10% negative, 30% neutral, the rest positive.
fn steady(rooms: &Rooms, room: &str, from_ms: u64, to_ms: u64, spikes: &mut Vec<u64>) {
    let mut t = from_ms;
    let mut i = 0u64;
    while t < to_ms {
        let c = match i % 10 {
            0 => -0.6,
            1..=3 => 0.0,
            _ => 0.6,
        };
        if let Some(s) = rooms.add(room, t, &scored(c)).unwrap() {
            spikes.push(s.at_ms);
        }
        t += 50;
        i += 1;
    }
}

#[test]
fn a_steady_replay_raises_no_spike() {
    let rooms = Rooms::default();
    let mut spikes = Vec::new();
    steady(&rooms, "r1", 0, 300_000, &mut spikes);
    assert!(spikes.is_empty(), "spikes at {spikes:?}");
    let snap = rooms.snapshot("r1", 299_950).unwrap();
    assert_eq!(snap.windows[1].count, 200);
    assert_eq!(snap.windows[2].count, 1200);
    assert!(!snap.spike);
}

#[test]
fn a_negative_burst_raises_exactly_one_spike_within_2_s() {
    let rooms = Rooms::default();
    let mut spikes = Vec::new();
    steady(&rooms, "r", 0, 60_000, &mut spikes);
    assert!(spikes.is_empty());
    // 15 s of burst: 50 negative comments/s on top of the steady stream.
    let mut t = 60_000;
    while t < 75_000 {
        if let Some(s) = rooms.add("r", t, &scored(-0.9)).unwrap() {
            spikes.push(s.at_ms);
        }
        t += 20;
    }
    steady(&rooms, "r", 60_000 + 15_000, 140_000, &mut spikes);
    assert_eq!(spikes.len(), 1, "spikes at {spikes:?}");
    assert!(
        spikes[0] >= 60_000 && spikes[0] <= 62_000,
        "spike at {}",
        spikes[0]
    );
    let snap = rooms.snapshot("r", 139_950).unwrap();
    assert_eq!(snap.last_spike.unwrap().at_ms, spikes[0]);
    assert!(!snap.spike, "the spike ended after the burst");
}

#[test]
fn unknown_rooms_are_empty_and_limits_are_errors() {
    let rooms = Rooms::new(
        RoomLimits {
            max_rooms: 2,
            max_rate: 5,
            idle_expiry_ms: 1000,
            ..RoomLimits::default()
        },
        SpikeRule::default(),
    );
    let snap = rooms.snapshot("nobody", 5).unwrap();
    assert_eq!(snap.total, 0);
    assert_eq!(snap.windows.len(), 3);
    assert!(matches!(
        rooms.snapshot("bad room", 0),
        Err(RoomError::InvalidRoom(_))
    ));
    assert!(rooms.add(&"x".repeat(65), 0, &scored(0.1)).is_err());
    rooms.add("a", 0, &scored(0.1)).unwrap();
    rooms.add("b", 0, &scored(0.1)).unwrap();
    let e = rooms.add("c", 0, &scored(0.1)).unwrap_err();
    assert_eq!(e.code().as_str(), "too_many_rooms");
    for _ in 0..4 {
        rooms.add("a", 10, &scored(0.1)).unwrap();
    }
    assert_eq!(
        rooms
            .add("a", 10, &scored(0.1))
            .unwrap_err()
            .code()
            .as_str(),
        "rate_limited"
    );
    assert_eq!(rooms.list(), ["a", "b"]);
    assert_eq!(rooms.expire(1005), 1, "b idle since 0");
    assert_eq!(rooms.list(), ["a"]);
}

#[test]
fn a_comment_id_seen_again_within_the_dedup_window_counts_once() {
    use senti_rooms::{Added, RoomLimits, Rooms, SpikeRule};
    let rooms = Rooms::new(
        RoomLimits {
            dedup_window_ms: 1_000,
            ..Default::default()
        },
        SpikeRule::default(),
    );
    let s = scored(0.6);
    assert!(matches!(
        rooms.add_once("r", "a", 10_000, &s, true).unwrap(),
        Added::Counted(_)
    ));
    assert_eq!(
        rooms.add_once("r", "a", 10_500, &s, true).unwrap(),
        Added::Duplicate
    );
    // Another room, another id: counted.
    assert!(matches!(
        rooms.add_once("q", "a", 10_500, &s, true).unwrap(),
        Added::Counted(_)
    ));
    assert!(matches!(
        rooms.add_once("r", "b", 10_600, &s, true).unwrap(),
        Added::Counted(_)
    ));
    // Out of the window, the same id is a new comment.
    assert!(matches!(
        rooms.add_once("r", "a", 11_600, &s, true).unwrap(),
        Added::Counted(_)
    ));
    assert_eq!(rooms.snapshot("r", 11_600).unwrap().total, 3);
}
