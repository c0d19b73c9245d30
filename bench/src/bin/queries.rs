//! Time the statements of a unit page against a seeded site, in a loop, without HTTP:
//!   queries DIR COURSE_KEY UNIT_URL_NAME [ITERATIONS]
use lyceum_core::UserId;
use lyceum_store::Store;
use lyceum_store::repo::{courses, learner, sessions};
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let a: Vec<String> = std::env::args().collect();
    let store = Store::open_sqlite(&std::path::Path::new(&a[1]).join("lyceum.sqlite"))
        .await
        .map_err(|e| e.to_string())?;
    let n: usize = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(20000);
    let mut c = store.conn().await.map_err(|e| e.to_string())?;
    let (row, _) = courses::find_for_viewer(&mut c, &a[2], None)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no course")?;
    let tree = courses::load_tree(&mut c, row.id())
        .await
        .map_err(|e| e.to_string())?;
    let unit = tree.find_url_name(&a[3]).ok_or("no unit")?;
    let user = UserId(10001);
    for (name, which) in [("session", 0), ("course+viewer", 1), ("unit state", 2)] {
        let t = Instant::now();
        for _ in 0..n {
            match which {
                0 => drop(
                    sessions::load(&mut c, "nope", 0)
                        .await
                        .map_err(|e| e.to_string())?,
                ),
                1 => drop(
                    courses::find_for_viewer(&mut c, &a[2], Some(user))
                        .await
                        .map_err(|e| e.to_string())?,
                ),
                _ => drop(
                    learner::unit_state(&mut c, user, tree.node(unit).id)
                        .await
                        .map_err(|e| e.to_string())?,
                ),
            }
        }
        println!(
            "{name}: {:.1} µs",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
    }
    Ok(())
}
