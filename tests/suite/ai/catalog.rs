//! Catalog refresh over HTTP with an on-disk cache (a tiny axum server serves the JSON).

use axum::Router;
use axum::routing::get;
use pi_coding_agent::ai::types::Usage;
use pi_coding_agent::ai::{AiClient, Catalog, ClientOptions, ModelRef};

const REMOTE: &str = r#"{"version": 2, "models": [
  {"provider": "openai", "id": "gpt-4o-mini", "name": "GPT-4o mini (new price)", "context_window": 128000,
   "max_output_tokens": 16384, "input_image": true, "reasoning": false,
   "cost": {"input": 1.0, "output": 2.0, "cache_read": 0.5, "cache_write": 0}},
  {"provider": "google", "id": "gemini-9-ultra", "name": "Gemini 9 Ultra", "context_window": 2000000,
   "max_output_tokens": 100000, "cost": {"input": 3, "output": 9}}
]}"#;

async fn serve_catalog() -> String {
    let app = Router::new()
        .route("/models.json", get(|| async { REMOTE }))
        .route("/broken.json", get(|| async { "<html>not json</html>" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn mref(s: &str) -> ModelRef {
    s.parse().unwrap()
}

#[tokio::test]
async fn refresh_writes_the_cache_and_offline_uses_it() {
    let base = serve_catalog().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache/models.json");
    let mut client = AiClient::new(ClientOptions::default()).unwrap();

    let warnings = client
        .refresh_catalog(Some(&format!("{base}/models.json")), Some(&cache))
        .await;
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(cache.exists());
    let usage = Usage {
        input: 1_000_000,
        output: 1_000_000,
        ..Default::default()
    };
    let cost = client
        .catalog()
        .cost_of(&mref("openai/gpt-4o-mini"), &usage);
    assert!((cost.total - 3.0).abs() < 1e-9, "{cost:?}");
    assert!(
        client
            .catalog()
            .find(&mref("google/gemini-9-ultra"))
            .is_some()
    );
    assert!(
        client
            .catalog()
            .find(&mref("anthropic/claude-sonnet-4-5"))
            .is_some()
    );

    // Offline (nothing listens on port 9 of localhost): the cache is used, with a warning.
    let (catalog, warnings) = Catalog::load(
        Some("http://127.0.0.1:9/models.json"),
        Some(&cache),
        &client,
    )
    .await;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("could not refresh the model catalog"));
    assert!(catalog.find(&mref("google/gemini-9-ultra")).is_some());

    // A bad answer is not cached.
    let (_, warnings) =
        Catalog::load(Some(&format!("{base}/broken.json")), Some(&cache), &client).await;
    assert!(warnings[0].contains("not a model catalog"), "{warnings:?}");
    assert!(
        std::fs::read_to_string(&cache)
            .unwrap()
            .contains("gemini-9-ultra")
    );
}

#[tokio::test]
async fn corrupt_cache_is_reported_and_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("models.json");
    std::fs::write(&cache, "{\"models\": [trunc").unwrap();
    let mut client = AiClient::new(ClientOptions::default()).unwrap();
    let warnings = client.refresh_catalog(None, Some(&cache)).await;
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("corrupt"), "{warnings:?}");
    assert_eq!(client.catalog(), Catalog::embedded());
    let hits = client.catalog().search("gemini flash", None, true, 3);
    assert!(!hits.is_empty() && hits.len() <= 3);
}
