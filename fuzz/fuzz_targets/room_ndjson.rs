//! Room ingestion on any NDJSON body: the comments decoded as `POST
//! /v1/rooms/{room}/comments` decodes them, each checked against the room limits, scored as
//! a live comment and counted in a room (duplicates once), as a lone replica does; then the
//! room's snapshot. Refusals must be error values, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use senti_fuzz::{ENGINE, check_scores, check_spans};
use senti_rooms::{Added, RoomLimits, Rooms, SpikeRule, valid_room_id};
use senti_server::fuzzing;

/// Arrival times start here and move on by up to 5 s per comment (taken from its ts_ms),
/// so windows roll, rates and dedup windows are reached, as a server clock would.
const T0_MS: u64 = 1_767_225_600_000;

fuzz_target!(|data: &[u8]| {
    let Ok(comments) = fuzzing::room_comments(data, true) else {
        return;
    };
    let rooms = Rooms::new(
        RoomLimits {
            max_rate: 50,
            max_rooms: 4,
            ..Default::default()
        },
        SpikeRule::default(),
    );
    let mut now = T0_MS;
    let mut counted = 0u64;
    for c in &comments {
        let _ = valid_room_id(&c.id);
        now += c.ts_ms.map_or(250, |t| t.unsigned_abs() % 5_000);
        // Comments whose id looks like a room id go to a room of that name, the others to
        // one room, so that the room limit is reached too.
        let room = if valid_room_id(&c.id) && c.id.len() <= 2 {
            c.id.as_str()
        } else {
            "fuzz"
        };
        if rooms.validate(c).is_err() {
            continue;
        }
        let Ok(s) = ENGINE.score_comment(&c.text) else {
            continue;
        };
        check_scores(&c.text, &s.scores);
        check_spans(&c.text, s.contributions.iter().map(|t| (t.start, t.end)));
        if let Ok(Added::Counted(_)) = rooms.add_once(room, &c.id, now, &s, true) {
            counted += 1;
        }
        let _ = rooms.check(room, now);
    }
    let mut total = 0;
    for room in rooms.list() {
        let snap = rooms.snapshot(&room, now).expect("a listed room");
        assert!((-1.0..=1.0).contains(&snap.ewma_compound), "{snap:?}");
        total += snap.total;
    }
    assert_eq!(total, counted, "every counted comment is in a room's total");
    let _ = rooms.expire(now + 3_600_000);
});
