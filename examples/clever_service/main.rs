//! A small Clever grade-passback service in axum, served over HTTP:
//!
//! ```sh
//! cargo run --example clever_service -- 127.0.0.1:8080
//! ```
//!
//! The service is in `app.rs`; `conformance.rs` checks it with confuzz, one test per
//! documented error (`cargo run --example clever_conformance`, or as `tests/conformance.rs`
//! of a crate of your own).

mod app;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app::router(app::Roster::demo())).await
}
