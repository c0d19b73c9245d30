//! Time requests through the router in-process (no sockets): what the application itself
//! costs per request.   inproc DIR PATH [ITERATIONS]   (logs in as the seeded `bench` user)
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), String> {
    let a: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(&a[1]);
    let store = lyceum_store::Store::open_sqlite(&dir.join("lyceum.sqlite"))
        .await
        .map_err(|e| e.to_string())?;
    let media = lyceum_store::MediaStore::new(dir.join("media")).map_err(|e| e.to_string())?;
    let app = lyceum_web::App::new(lyceum_web::AppParts {
        store,
        media,
        config: lyceum_web::WebConfig::new("http://x"),
        clock: Arc::new(lyceum_core::SystemClock),
    })?;
    let router = lyceum_web::router(app);
    let login = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("username=bench&password=bench+password+123"))
        .map_err(|e| e.to_string())?;
    let res = router
        .clone()
        .oneshot(login)
        .await
        .map_err(|e| e.to_string())?;
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or("login failed")?
        .to_owned();
    let n: usize = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(20000);
    let tasks: usize = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(1);
    let t = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (router, path, cookie) = (router.clone(), a[2].clone(), cookie.clone());
        handles.push(tokio::spawn(async move {
            let mut bytes = 0;
            for _ in 0..n / tasks {
                let req = Request::get(path.as_str())
                    .header("cookie", cookie.as_str())
                    .body(Body::empty())
                    .map_err(|e| e.to_string())?;
                let res = router
                    .clone()
                    .oneshot(req)
                    .await
                    .map_err(|e| e.to_string())?;
                bytes = res
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| e.to_string())?
                    .to_bytes()
                    .len();
            }
            Ok::<usize, String>(bytes)
        }));
    }
    let mut bytes = 0;
    for h in handles {
        bytes = h.await.map_err(|e| e.to_string())??;
    }
    let per = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!(
        "{} with {tasks} task(s): {per:.1} µs wall per request ({bytes} bytes)",
        a[2]
    );
    Ok(())
}
