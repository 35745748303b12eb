//! The fake GitHub's endpoints: the JSON shapes, `since` filtering and ordering, pagination
//! with a `Link` header.

use std::collections::HashMap;

use axum::http::{HeaderMap, Method};
use serde_json::{Value, json};

use super::{Data, EPOCH, FakeComment, FakeIssue, Shared, add_comment};

/// The number `n` names, when that issue exists.
fn known_issue(d: &Data, n: &str) -> Option<u64> {
    n.parse::<u64>()
        .ok()
        .filter(|n| d.issues.iter().any(|i| i.number == *n))
}

fn iso(secs: i64) -> String {
    jiff::Timestamp::from_second(EPOCH + secs)
        .unwrap()
        .to_string()
}

fn user(login: &str) -> Value {
    json!({"login": login, "id": login.len() as u64 + 100, "type": "User",
           "html_url": format!("https://github.com/{login}")})
}

fn issue_json(base: &str, repo: &str, i: &FakeIssue, comments: usize) -> Value {
    let mut v = json!({
        "id": 500_000 + i.number, "node_id": format!("I_{}", i.number),
        "url": format!("{base}/repos/{repo}/issues/{}", i.number),
        "html_url": format!("https://github.com/{repo}/issues/{}", i.number),
        "number": i.number, "state": "open", "title": i.title, "body": i.body,
        "user": user(&i.login), "labels": [], "comments": comments,
        "author_association": i.association,
        "created_at": iso(i.created), "updated_at": iso(i.updated), "closed_at": null,
    });
    if i.pull_request {
        v["pull_request"] = json!({"url": format!("{base}/repos/{repo}/pulls/{}", i.number)});
    }
    v
}

fn comment_json(base: &str, repo: &str, c: &FakeComment) -> Value {
    json!({
        "id": c.id, "node_id": format!("IC_{}", c.id),
        "url": format!("{base}/repos/{repo}/issues/comments/{}", c.id),
        "html_url": format!("https://github.com/{repo}/issues/{}#issuecomment-{}", c.issue, c.id),
        "issue_url": format!("{base}/repos/{repo}/issues/{}", c.issue),
        "body": c.body, "user": user(&c.login), "author_association": c.association,
        "created_at": iso(c.created), "updated_at": iso(c.updated),
    })
}

pub(super) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn query_map(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("%3A", ":").replace("%3a", ":")))
        .collect()
}

pub(super) fn error(status: u16, message: &str) -> (u16, Value) {
    (
        status,
        json!({"message": message, "documentation_url": "https://docs.github.com/rest"}),
    )
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[allow(clippy::too_many_arguments)]
pub(super) fn route(
    s: &Shared,
    d: &mut Data,
    base: &str,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
    extra: &mut Vec<(&str, String)>,
) -> (u16, Value) {
    let Some(tail) = path.strip_prefix(&format!("/repos/{}/", s.repo)) else {
        return error(404, "Not Found");
    };
    let segs: Vec<&str> = tail.split('/').collect();
    let q = query_map(query);
    let since = q
        .get("since")
        .map(|t| t.parse::<jiff::Timestamp>().map(|t| t.as_second() - EPOCH));
    let since = match since {
        Some(Err(_)) => return error(422, "Validation Failed: since"),
        Some(Ok(t)) => Some(t),
        None => None,
    };
    let new_body = || -> Option<String> {
        let v: Value = serde_json::from_slice(body).ok()?;
        Some(v.get("body")?.as_str()?.to_string())
    };
    let items: Vec<Value> = match (method.as_str(), segs.as_slice()) {
        ("GET", ["issues"]) => {
            let mut list: Vec<&FakeIssue> = d
                .issues
                .iter()
                .filter(|i| since.is_none_or(|t| i.updated >= t))
                .collect();
            if q.get("sort").map(String::as_str) == Some("created") {
                list.sort_by_key(|i| (i.created, i.number));
            } else {
                list.sort_by_key(|i| (i.updated, i.number));
            }
            if q.get("direction").map(String::as_str) == Some("desc") {
                list.reverse();
            }
            list.iter()
                .map(|i| {
                    let n = d.comments.iter().filter(|c| c.issue == i.number).count();
                    issue_json(base, &s.repo, i, n)
                })
                .collect()
        }
        ("GET", ["issues", "comments"]) => {
            let mut list: Vec<&FakeComment> = d
                .comments
                .iter()
                .filter(|c| since.is_none_or(|t| c.updated >= t))
                .collect();
            if q.get("sort").map(String::as_str) == Some("created") {
                list.sort_by_key(|c| (c.created, c.id));
            } else {
                list.sort_by_key(|c| (c.updated, c.id));
            }
            if q.get("direction").map(String::as_str) == Some("desc") {
                list.reverse();
            }
            list.iter()
                .map(|c| comment_json(base, &s.repo, c))
                .collect()
        }
        ("GET", ["issues", n]) if n.parse::<u64>().is_ok() => {
            let Some(i) = d.issues.iter().find(|i| n.parse() == Ok(i.number)) else {
                return error(404, "Not Found");
            };
            let count = d.comments.iter().filter(|c| c.issue == i.number).count();
            return (200, issue_json(base, &s.repo, i, count));
        }
        ("GET", ["issues", n, "comments"]) => {
            let Some(n) = known_issue(d, n) else {
                return error(404, "Not Found");
            };
            d.comments
                .iter()
                .filter(|c| c.issue == n)
                .map(|c| comment_json(base, &s.repo, c))
                .collect()
        }
        ("POST", ["issues", n, "comments"]) => {
            let Some(n) = known_issue(d, n) else {
                return error(404, "Not Found");
            };
            let Some(text) = new_body() else {
                return error(422, "Validation Failed: body");
            };
            if text.chars().count() > 65_536 {
                return error(
                    422,
                    "Validation Failed: body is too long (maximum is 65536 characters)",
                );
            }
            let id = add_comment(d, n, &text, &s.bot, "NONE");
            let c = d.comments.iter().find(|c| c.id == id).cloned();
            return c.map_or_else(
                || error(500, "lost"),
                |c| (201, comment_json(base, &s.repo, &c)),
            );
        }
        ("PATCH", ["issues", "comments", id]) => {
            let Some(text) = new_body() else {
                return error(422, "Validation Failed: body");
            };
            d.clock += 1;
            let now = d.clock;
            let Some(c) = d.comments.iter_mut().find(|c| id.parse() == Ok(c.id)) else {
                return error(404, "Not Found");
            };
            c.body = text;
            c.updated = now;
            return (200, comment_json(base, &s.repo, c));
        }
        _ => return error(404, "Not Found"),
    };
    let per_page: usize = q
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page: usize = q
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let page_items: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let link_to = |p: usize, rel: &str| {
        let mut kept: Vec<String> = query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("page="))
            .map(str::to_string)
            .collect();
        kept.push(format!("page={p}"));
        format!("<{base}{path}?{}>; rel=\"{rel}\"", kept.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link_to(page - 1, "prev"));
        links.push(link_to(1, "first"));
    }
    if page < last {
        links.push(link_to(page + 1, "next"));
        links.push(link_to(last, "last"));
    }
    if !links.is_empty() {
        extra.push(("link", links.join(", ")));
    }
    (200, Value::Array(page_items))
}
