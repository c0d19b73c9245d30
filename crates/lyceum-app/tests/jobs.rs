//! The hourly sweeps as use cases, without HTTP.
#![allow(clippy::unwrap_used)]

use lyceum_app::{Env, jobs};
use lyceum_core::FixedClock;
use lyceum_store::repo::sessions;
use lyceum_store::{MediaStore, testing};
use std::sync::Arc;

const NOW_MS: i64 = 1_795_000_000_000;

#[tokio::test]
async fn expired_sessions_go_live_ones_stay() {
    let db = testing::sqlite().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(lyceum_core::clock::from_millis(NOW_MS)));
    let env = Env {
        store: db.store.clone(),
        media: MediaStore::new(dir.path()).unwrap(),
        clock: clock.clone(),
    };
    let mut c = env.store.conn().await.unwrap();
    sessions::create(&mut c, "old", None, "{}", NOW_MS - 10, NOW_MS - 1)
        .await
        .unwrap();
    sessions::create(&mut c, "live", None, "{}", NOW_MS - 10, NOW_MS + 60_000)
        .await
        .unwrap();
    drop(c);

    let swept = jobs::sweep(&env).await;
    assert_eq!(swept.sessions, Some(1));
    assert_eq!(swept.login_limits, Some(0));
    let media = swept.media.unwrap();
    assert!(media.removed.is_empty() && media.recovered.is_empty());

    let mut c = env.store.conn().await.unwrap();
    assert!(
        sessions::load(&mut c, "old", NOW_MS)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        sessions::load(&mut c, "live", NOW_MS)
            .await
            .unwrap()
            .is_some()
    );
    drop(c);
    // An hour later the other one has expired too.
    clock.advance(jiff::SignedDuration::from_hours(1));
    assert_eq!(jobs::sweep_sessions(&env).await.unwrap(), 1);
}
