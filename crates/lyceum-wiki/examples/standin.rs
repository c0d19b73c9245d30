//! Runs the OAuth stand-in for a manual demo: `cargo run -p lyceum-wiki --features standin --example standin [REDIRECT_URI]`.

use lyceum_wiki::standin::{Standin, StandinConfig, StandinUser};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let redirect_uri = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080/auth/wikimedia/callback".to_owned());

    let mut ada = StandinUser::new(1001, "Ada Lovelace");
    ada.email = Some("ada@example.test".into());
    ada.realname = Some("Ada L.".into());
    ada.editcount = 1234;
    let mut hidden = StandinUser::new(1003, "Hidden user");
    hidden.suppressed = true;
    hidden.blocked = true;
    let cfg = StandinConfig {
        client_id: "standin-client".into(),
        client_secret: "standin-secret".into(),
        redirect_uri,
        users: vec![
            ada,
            StandinUser::new(1002, "Nouvel utilisateur"),
            hidden,
            StandinUser::new(0, "No central id"),
        ],
    };
    println!("redirect_uri:  {}", cfg.redirect_uri);
    println!("client_id:     {}", cfg.client_id);
    println!("client_secret: {}", cfg.client_secret);

    let standin = Standin::start(cfg).await?;
    println!("rest_base:     {}", standin.base);
    println!("Ctrl-C stops it.");
    tokio::signal::ctrl_c().await?;
    standin.shutdown().await;
    Ok(())
}
