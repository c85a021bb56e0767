//! Queue settings for admins: forms for services, windows, hours, issuing
//! periods, the call rules, ticket rules and the QR code address, each
//! field explained, checked beside the field before saving and again by the
//! plugin (whose message is shown beside the field it names); the policy
//! as residents will read it. The forms are built by `admin.js` from the
//! effective configuration, handed over as a JSON data block.

use crate::config::{Config, OVERRIDE_KEY};
use crate::fail::Fail;
use crate::pages::{STYLE, json_block, script};
use crate::policy;
use linli_sdk::prelude::*;
use serde_json::json;

/// The sections, in the order they are shown.
const SECTIONS: &[(&str, &str, &str)] = &[
    ("services", "业务", "Services"),
    ("windows", "窗口", "Windows"),
    ("hours", "办公时间", "Opening hours"),
    ("periods", "取号时段", "Issuing periods"),
    ("policy", "叫号规则", "Call rules"),
    ("tickets", "取号规则", "Ticket rules"),
    ("public_url", "二维码地址", "QR code address"),
];

pub fn page(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let over: serde_json::Value = kv::get_json(OVERRIDE_KEY)?.unwrap_or_default();
    let mut sections = String::new();
    for (key, zh, en) in SECTIONS {
        sections.push_str(&format!(
            r#"<section class="card q-section" id="q-sec-{key}" data-section="{key}"><h2>{title}{changed}</h2><div class="q-fields"></div>
<p class="q-actions"><button class="primary q-save" type="button">{save}</button> <button type="button" class="q-reset">{reset}</button> <span class="q-status" role="status" aria-live="polite"></span></p></section>"#,
            title = t(lang, zh, en),
            changed = if over.get(*key).is_some() { format!(" <small class=\"q-muted q-changed\">{}</small>", t(lang, "（已修改，不同于默认）", "(changed from the default)")) } else { String::new() },
            save = t(lang, "保存", "Save"),
            reset = t(lang, "恢复为默认", "Back to default"),
        ));
    }
    let policy: String = policy::describe(cfg, lang).iter().map(|l| format!("<li>{}</li>", esc(l))).collect();
    let data = json!({"effective": cfg, "override": over});
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="q-muted">{intro}</p><h2>{policy_h}</h2><ul class="q-policy" id="q-policy">{policy}</ul></section>
<div id="q-admin">{sections}</div>{data}{script}"#,
        title = t(lang, "排队叫号设置", "Queue settings"),
        intro = t(lang, "默认值来自插件和 data/linli.toml 的 [plugins.queue.config]；这里保存的修改优先，保存前会逐项检查，保存后立即生效。", "Defaults come from the plugin and [plugins.queue.config] in data/linli.toml; changes saved here take precedence, are checked field by field, and apply at once."),
        policy_h = t(lang, "当前叫号规则（居民看到的说明）", "Current policy, as residents read it"),
        data = json_block("q-config", &data),
        script = script("admin"),
    );
    Ok(Response::page(t(lang, "排队设置", "Queue settings"), html))
}
