//! The receiver never waits for its consumer: a consumer that stalls, reads in bursts or never
//! reads gets every recorded request exactly once, from its channel or read back from the
//! capture file; without a capture, what could not be shown is counted.

mod support;

use std::time::Duration;
use support::{cfg, http, start_full};
use wamon::feed::Feed;

fn body(i: usize) -> String {
    format!(
        r#"{{"event":"message","session":"s","payload":{{"id":"false_1@c.us_M{i}","from":"1@c.us","body":"n{i}"}}}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_stalls_and_bursts_gets_every_request_once() {
    const N: usize = 2000;
    const CONNS: usize = 16;
    let r = start_full(cfg(), 64, true).await;
    let mut feed = Feed::new(r.rx, r.receiver.backlog(), r.receiver.capture_path());
    let addr = r.addr;
    let senders: Vec<_> = (0..CONNS)
        .map(|c| {
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for i in (c..N).step_by(CONNS) {
                    statuses.push(
                        http(addr, "POST", "/", &[], body(i).as_bytes())
                            .await
                            .status,
                    );
                }
                statuses
            })
        })
        .collect();
    // The consumer reads a burst, then stalls, while the senders keep going.
    let mut seqs = Vec::new();
    let mut bursts = 0;
    let collect = async {
        while seqs.len() < N {
            let mut batch = Vec::new();
            if feed.recv_many(&mut batch, 100).await == 0 {
                break;
            }
            seqs.extend(batch.iter().map(|i| i.seq()));
            bursts += 1;
            if bursts % 3 == 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), collect)
        .await
        .expect("everything arrives");
    for s in senders {
        assert!(s.await.unwrap().iter().all(|&st| st == 200));
    }
    let (skipped, dropped) = r.receiver.backlog().counts();
    assert!(skipped > 0, "the channel overflowed at least once");
    assert_eq!(dropped, 0);
    seqs.sort_unstable();
    let want: Vec<u64> = (1..=N as u64).collect();
    assert_eq!(seqs, want, "each once");
}

#[tokio::test]
async fn without_a_capture_what_could_not_be_shown_is_counted() {
    let r = start_full(cfg(), 4, false).await;
    for i in 0..20 {
        let reply = http(r.addr, "POST", "/", &[], body(i).as_bytes()).await;
        assert_eq!(reply.status, 200, "still answered at once");
    }
    let backlog = r.receiver.backlog();
    assert_eq!(backlog.counts(), (0, 16));
    let mut feed = Feed::new(r.rx, backlog, None);
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_millis(300), feed.recv_many(&mut got, 100)).await;
    assert_eq!(got.len(), 4, "the bounded buffer's worth");
}

#[tokio::test]
async fn requests_skipped_in_a_deleted_capture_are_counted_and_the_new_file_is_read_at_its_own_offsets(
) {
    let r = start_full(cfg(), 4, true).await;
    for i in 0..10 {
        assert_eq!(
            http(r.addr, "POST", "/", &[], body(i).as_bytes())
                .await
                .status,
            200
        );
    }
    // Six skipped the full channel and wait in the capture: which is deleted under them.
    std::fs::remove_file(&r.capture).unwrap();
    // Past the writer's check interval, the next write finds the file gone.
    tokio::time::sleep(wamon::capture_writer::CHECK_INTERVAL).await;
    for i in 10..20 {
        assert_eq!(
            http(r.addr, "POST", "/", &[], body(i).as_bytes())
                .await
                .status,
            200
        );
    }
    let backlog = r.receiver.backlog();
    let mut feed = Feed::new(r.rx, backlog.clone(), r.receiver.capture_path());
    let mut seqs = Vec::new();
    let collect = async {
        while seqs.len() < 14 {
            let mut batch = Vec::new();
            if feed.recv_many(&mut batch, 100).await == 0 {
                break;
            }
            seqs.extend(batch.iter().map(|i| i.seq()));
        }
    };
    tokio::time::timeout(Duration::from_secs(20), collect)
        .await
        .expect("the new file's requests arrive");
    let want: Vec<u64> = (1..=4).chain(11..=20).collect();
    assert_eq!(
        seqs, want,
        "the channel's four, then the new file's ten, each once"
    );
    assert_eq!(
        backlog.counts(),
        (16, 6),
        "six left in the deleted file: not shown"
    );
    assert_eq!(backlog.behind(), 0);
    // Asked for more, the feed finds nothing left to read back and leaves the backlog (then
    // waits on its channel: cut short).
    let mut more = Vec::new();
    let _ = tokio::time::timeout(Duration::from_millis(200), feed.recv_many(&mut more, 10)).await;
    assert!(more.is_empty());
    assert!(!backlog.is_active(), "caught up");
}
