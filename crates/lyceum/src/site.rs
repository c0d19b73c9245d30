//! Opening a site's data (database, media, settings) and serving it.

use crate::{DataArgs, errors};
use lyceum_core::SystemClock;
use lyceum_store::{MediaStore, Store};
use lyceum_web::{App, AppParts, WebConfig};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub type Result<T> = std::result::Result<T, String>;

pub struct Site {
    pub store: Store,
    pub media: MediaStore,
    pub dir: PathBuf,
}

impl Site {
    /// What use cases run against: this site's store and media, the system clock.
    pub fn env(&self) -> lyceum_app::Env {
        lyceum_app::Env {
            store: self.store.clone(),
            media: self.media.clone(),
            clock: Arc::new(SystemClock),
        }
    }
}

pub fn data_dir(args: &DataArgs) -> PathBuf {
    args.data
        .clone()
        .unwrap_or_else(|| PathBuf::from("lyceum-data"))
}

/// Open (creating when needed) the database and media store, and bring the schema up to date.
pub async fn open(args: &DataArgs) -> Result<Site> {
    let dir = data_dir(args);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let store = match &args.database_url {
        Some(url) => Store::open_postgres_pooled(url, args.database_pool)
            .await
            .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?,
        None => Store::open_sqlite(&dir.join("lyceum.sqlite"))
            .await
            .map_err(|e| format!("cannot open {}: {e}", dir.join("lyceum.sqlite").display()))?,
    };
    store
        .migrate()
        .await
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    let media = open_media(args)?;
    Ok(Site { store, media, dir })
}

/// Refuse a PostgreSQL database that already has tables in its schema (`advice` says
/// what to do instead): for commands that must start from nothing.
pub async fn require_empty_postgres(url: &str, advice: &str) -> Result<()> {
    use lyceum_store::{Db, q};
    let store = Store::open_postgres(url)
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
    let mut c = store.conn().await.map_err(|e| e.to_string())?;
    let (tables,): (i64,) = c
        .one(q(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
        ))
        .await
        .map_err(|e| e.to_string())?;
    drop(c);
    store.close().await;
    if tables > 0 {
        return Err(format!("the PostgreSQL database is not empty: {advice}"));
    }
    Ok(())
}

/// The media store `--media-url` names (`DIR/media` without one; created when needed).
/// An S3 store keeps its scratch files (uploads being received) in `DIR/tmp`.
pub fn open_media(args: &DataArgs) -> Result<MediaStore> {
    let dir = data_dir(args);
    let url = match &args.media_url {
        Some(u) => lyceum_store::media::MediaUrl::parse(u)?,
        None => lyceum_store::media::MediaUrl::Dir(dir.join("media")),
    };
    MediaStore::open(&url, dir.join("tmp")).map_err(|e| {
        format!(
            "cannot open the media store {}: {e}",
            args.media_url.as_deref().unwrap_or("(DIR/media)")
        )
    })
}

/// Settings from `lyceum.toml` (or the given file), with secrets from the environment.
pub fn load_config(file: Option<&Path>, data_dir: &Path, bound: SocketAddr) -> Result<WebConfig> {
    let path = file
        .map(Path::to_path_buf)
        .unwrap_or_else(|| data_dir.join("lyceum.toml"));
    let mut config = if path.exists() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        toml::from_str::<WebConfig>(&text).map_err(|e| format!("{}: {e}", path.display()))?
    } else if file.is_some() {
        return Err(format!("{} does not exist", path.display()));
    } else {
        WebConfig::new(format!("http://{bound}"))
    };
    if let Ok(url) = std::env::var("LYCEUM_PUBLIC_URL") {
        config.public_url = url;
    }
    config.public_url = config.public_url.trim_end_matches('/').to_owned();
    if let (Some(w), Ok(secret)) = (
        config.wikimedia.as_mut(),
        std::env::var("LYCEUM_WIKIMEDIA_CLIENT_SECRET"),
    ) {
        w.client_secret = lyceum_wiki::oauth::Secret::new(secret);
    }
    if let Ok(token) = std::env::var("LYCEUM_METRICS_TOKEN") {
        config.metrics_token = Some(lyceum_wiki::oauth::Secret::new(token));
    }
    Ok(config)
}

/// How often each node's scheduler looks whether a new period began (and so a periodic
/// job is due); well under the shortest period, a minute.
const SCHEDULE_EVERY: std::time::Duration = std::time::Duration::from_secs(15);

/// Serve the app until Ctrl-C or SIGTERM. Background work (mail, digests, settling, the
/// sweeps, the wiki sync) is jobs in the database (`lyceum_app::jobs`): this node's
/// scheduler enqueues each period's jobs (one per period whatever the number of nodes) and
/// its worker runs jobs any node enqueued. On shutdown the server stops taking requests
/// and the worker stops claiming jobs and lets the running ones finish (for a bounded
/// time: anything cut short is taken again by another node once its lease runs out).
pub async fn run(listener: tokio::net::TcpListener, app: App) -> Result<()> {
    let env = app.env();
    let registry = Arc::new(lyceum_web::jobs::registry(&app));
    let node = lyceum_app::jobs::node_id();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stop = Arc::new(stop);
    let wake = Arc::new(tokio::sync::Notify::new());
    let scheduler = {
        let (env, registry, wake, mut stopped) =
            (env.clone(), registry.clone(), wake.clone(), stopped.clone());
        tokio::spawn(async move {
            let mut jobs = lyceum_app::jobs::Scheduler::new();
            let mut every = tokio::time::interval(SCHEDULE_EVERY);
            loop {
                tokio::select! {
                    _ = every.tick() => {}
                    _ = stopped.changed() => return,
                }
                match jobs.tick(&env, &registry).await {
                    Ok(0) => {}
                    Ok(_) => wake.notify_one(),
                    Err(e) => tracing::warn!(error = %e, "enqueueing periodic jobs failed"),
                }
            }
        })
    };
    let worker =
        tokio::spawn(lyceum_app::jobs::Worker::new(env, registry, node).run(stopped.clone(), wake));
    // What this process caches of the site's settings, refreshed each minute.
    let node_cache = app.clone();
    let mut cache_stopped = stopped;
    let cache = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = every.tick() => lyceum_web::node_tick(&node_cache).await,
                _ = cache_stopped.changed() => return,
            }
        }
    });
    // On PostgreSQL, other nodes' session and account changes reach this node's session
    // cache (which serves only while they do); nothing to do on SQLite.
    let sessions = tokio::spawn(lyceum_web::follow_session_changes(app.clone()));
    let service = lyceum_web::router(app).into_make_service_with_connect_info::<SocketAddr>();
    // The signal stops the jobs and the server together: requests and jobs in flight
    // finish side by side.
    let signalled = stop.clone();
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown().await;
            let _ = signalled.send(true);
        })
        .await
        .map_err(|e| format!("server error: {e}"));
    let _ = stop.send(true);
    sessions.abort();
    for task in [scheduler, cache] {
        let _ = task.await;
    }
    let _ = worker.await;
    served
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

pub async fn bind(addr: &str) -> Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    Ok((listener, bound))
}

pub async fn serve(addr: &str, args: &DataArgs, config_file: Option<&Path>) -> Result<()> {
    let site = open(args).await?;
    let (listener, bound) = bind(addr).await?;
    let config = load_config(config_file, &site.dir, bound)?;
    let app = App::new(AppParts {
        store: site.store,
        media: site.media,
        config,
        clock: Arc::new(SystemClock),
    })?;
    println!("Lyceum is listening on http://{bound}/");
    run(listener, app).await
}

pub async fn add_user(name: &str, admin: bool, args: &DataArgs) -> Result<()> {
    let site = open(args).await?;
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']);
    let now = jiff::Timestamp::now().as_millisecond();
    let user = lyceum_app::accounts::NewLocalUser {
        username: name,
        display_name: "",
        password,
        admin,
    };
    match lyceum_app::accounts::create_local_user(&site.store, &user, now).await {
        Ok(id) => {
            println!(
                "Created user {name} (id {id}){}.",
                if admin {
                    " with administrator rights"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Err(e) => Err(errors::describe(&e)),
    }
}

pub async fn import(
    path: &Path,
    org: Option<String>,
    json: bool,
    publish: bool,
    limits: &crate::LimitArgs,
    args: &DataArgs,
) -> Result<()> {
    let site = open(args).await?;
    let mb = 1024 * 1024;
    let limits = lyceum_olx::Limits {
        max_total_bytes: limits.max_total_mb.saturating_mul(mb),
        max_files: limits.max_files,
        max_file_bytes: limits.max_file_mb.saturating_mul(mb),
        ..lyceum_olx::Limits::default()
    };
    let archive = lyceum_app::courses::Archive {
        source: path.to_path_buf(),
        org,
        limits,
    };
    let summary = lyceum_app::courses::import(&site.env(), archive, None, publish)
        .await
        .map_err(|e| format!("{}: {}", path.display(), errors::describe(&e)))?;
    if json {
        let text = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
        println!("{text}");
        return Ok(());
    }
    println!(
        "{} {} ({} sections, {} subsections, {} units, {} blocks, {} assets).",
        if summary.created {
            "Imported"
        } else {
            "Updated"
        },
        summary.course_key,
        summary.sections,
        summary.subsections,
        summary.units,
        summary.blocks.values().sum::<usize>(),
        summary.assets,
    );
    if !summary.created {
        let o = &summary.outline;
        println!(
            "Blocks: {} added, {} changed, {} unchanged, {} removed.",
            o.added, o.changed, o.unchanged, o.removed
        );
    }
    if !summary.kept.is_empty() {
        let kept: Vec<String> = summary
            .kept
            .iter()
            .map(|(t, n)| format!("{t} ×{n}"))
            .collect();
        println!(
            "Kept as Open edX blocks (not run by Lyceum): {}.",
            kept.join(", ")
        );
    }
    if !summary.problems.is_empty() {
        println!("{} problems found:", summary.problems.len());
        for p in &summary.problems {
            let kind = serde_json::to_value(p.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            println!("  {kind:<14} {}: {}", p.path, p.detail);
        }
    }
    Ok(())
}

/// `lyceum media gc`: sweep the media directory and say what was removed.
pub async fn media_gc(args: &DataArgs) -> Result<()> {
    let site = open(args).await?;
    let report = lyceum_store::media_gc::sweep(&site.store, &site.media)
        .await
        .map_err(|e| format!("cannot sweep the media directory: {e}"))?;
    let files = |n: usize| if n == 1 { "file" } else { "files" };
    println!(
        "Removed {} {} ({} bytes) that nothing refers to.",
        report.removed.len(),
        files(report.removed.len()),
        report.bytes()
    );
    for r in &report.removed {
        println!("  {}  {} bytes", r.name, r.bytes);
    }
    if !report.recovered.is_empty() {
        println!(
            "Moved {} {} of an interrupted operation into the media store:",
            report.recovered.len(),
            files(report.recovered.len())
        );
        for sha in &report.recovered {
            println!("  {sha}");
        }
    }
    println!("Kept {} {} in use.", report.kept, files(report.kept));
    if report.young > 0 {
        println!(
            "Left {} unused {} younger than {} minutes for a later sweep.",
            report.young,
            files(report.young),
            lyceum_store::media_gc::GRACE.as_secs() / 60
        );
    }
    Ok(())
}

pub async fn export(course_id: &str, out: &Path, args: &DataArgs) -> Result<()> {
    let site = open(args).await?;
    let env = site.env();
    let course = lyceum_app::courses::find(&env, course_id)
        .await
        .map_err(|e| errors::describe(&e))?
        .ok_or_else(|| format!("no course {course_id}"))?;
    // Written beside the target and renamed: a failed export never leaves half a file
    // under the name asked for.
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let file = tmp.reopen().map_err(|e| e.to_string())?;
    lyceum_app::courses::export(&env, course, std::io::BufWriter::new(file))
        .await
        .map_err(|e| errors::describe(&e))?;
    tmp.persist(out)
        .map_err(|e| format!("{}: {e}", out.display()))?;
    println!("Exported {course_id} to {}.", out.display());
    Ok(())
}
