//! A data drop request body through the measured JSON reader, into the same shape as the API's
//! `DropRequest` (src/dataset/api.rs: kept in step by hand, so the web stack stays out of the
//! fuzz build), and into any JSON value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use masa_sheets::json::{JsonLimits, read_json};

#[allow(dead_code)]
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DropRequest {
    period: String,
    #[serde(default)]
    values: Vec<ValueRequest>,
    #[serde(default)]
    storyboard: Option<Storyboard>,
    #[serde(default)]
    submit: bool,
    #[serde(default)]
    confirm_outliers: bool,
}

#[allow(dead_code)]
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueRequest {
    indicator_code: String,
    value: serde_json::Value,
    #[serde(default)]
    note: String,
}

#[allow(dead_code)]
#[derive(serde::Deserialize)]
struct Storyboard {
    working_well: String,
    worried_about: String,
    doing_about_it: String,
    previous_actions: String,
}

fuzz_target!(|data: &[u8]| {
    let _ = read_json::<DropRequest>(data, &JsonLimits::DATA_DROP);
    if let Ok(value) = read_json::<serde_json::Value>(data, &JsonLimits::DATA_DROP) {
        // What was measured was read: the depth limit holds for what serde built.
        fn depth(value: &serde_json::Value) -> usize {
            match value {
                serde_json::Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
                serde_json::Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
                _ => 1,
            }
        }
        assert!(depth(&value) <= JsonLimits::DATA_DROP.max_depth);
    }
});
