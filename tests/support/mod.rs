//! Test support: the fake provider server and helpers to run the built binary.
#![allow(dead_code)]

pub mod bridge_logs;
pub mod fake_github;
pub mod fake_provider;
pub mod fake_registry;
pub mod fake_slack;
pub mod process;

/// Binds 127.0.0.1 on a free port, builds the app for its base URL (`http://127.0.0.1:PORT`)
/// and serves it on a thread and runtime of its own (the tests run `pi` synchronously).
/// Returns the base URL.
pub fn serve_loopback(app: impl FnOnce(&str) -> axum::Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = app(&base);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let _ = axum::serve(listener, app).await;
        });
    });
    base
}
