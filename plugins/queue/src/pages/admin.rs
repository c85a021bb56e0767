//! Queue settings for admins: each section of the configuration as JSON,
//! checked on save; the policy as residents will read it.

use crate::config::{Config, OVERRIDE_KEY};
use crate::fail::Fail;
use crate::pages::STYLE;
use crate::policy;
use linli_sdk::prelude::*;

const SECTIONS: &[(&str, &str, &str)] = &[
    ("services", "业务（前缀、限号、时段配额）", "Services (prefix, daily limit, quotas)"),
    ("windows", "窗口及其办理的业务（主办在前）", "Windows and their services (main first)"),
    ("hours", "办公时间、停止取号时间、闭厅处理", "Opening hours, last ticket, at closing"),
    ("periods", "取号时段", "Issuing periods"),
    ("policy", "叫号规则", "Call-next policy"),
    ("tickets", "取号规则", "Ticket rules"),
    ("public_url", "二维码地址前缀", "Address printed in the QR code"),
];

pub fn page(cfg: &Config, req: &Request) -> Result<Response, Fail> {
    let lang = req.lang();
    let effective = serde_json::to_value(cfg).map_err(|e| Fail::Internal(e.to_string()))?;
    let over: serde_json::Value = kv::get_json(OVERRIDE_KEY)?.unwrap_or_default();
    let mut forms = String::new();
    for (key, zh, en) in SECTIONS {
        let text = serde_json::to_string_pretty(&effective[key]).unwrap_or_default();
        forms.push_str(&format!(
            r#"<section class="card"><h2>{title}{changed}</h2><form class="q-section" data-key="{key}"><textarea name="value" rows="10" spellcheck="false" style="font-family:monospace">{text}</textarea>
<button class="primary" type="submit">{save}</button> <button type="button" class="q-reset">{reset}</button> <span role="status"></span></form></section>"#,
            title = t(lang, zh, en),
            changed = if over.get(*key).is_some() { format!(" <small class=\"q-muted\">{}</small>", t(lang, "（已修改）", "(changed)")) } else { String::new() },
            text = esc(&text),
            save = t(lang, "保存", "Save"),
            reset = t(lang, "恢复为默认", "Back to default"),
        ));
    }
    let policy: String = policy::describe(cfg, lang).iter().map(|l| format!("<li>{}</li>", esc(l))).collect();
    let html = format!(
        r#"{STYLE}<section class="card"><h1>{title}</h1><p class="q-muted">{intro}</p><h2>{policy_h}</h2><ul class="q-policy">{policy}</ul></section>{forms}
<script>
document.querySelectorAll('.q-section').forEach(function (f) {{
  var status = f.querySelector('[role=status]');
  async function save(value) {{
    var body = {{}}; body[f.dataset.key] = value;
    try {{ await Linli.api('POST', '/api/queue/config', body); status.textContent = '{saved}'; setTimeout(function () {{ location.reload(); }}, 600); }}
    catch (e) {{ status.textContent = e.message; }}
  }}
  f.addEventListener('submit', function (e) {{
    e.preventDefault();
    try {{ save(JSON.parse(f.value.value)); }} catch (err) {{ status.textContent = '{bad_json}' + err.message; }}
  }});
  f.querySelector('.q-reset').addEventListener('click', function () {{ save(null); }});
}});
</script>"#,
        title = t(lang, "排队叫号设置", "Queue settings"),
        intro = t(lang, "默认值来自插件和 data/linli.toml 的 [plugins.queue.config]；这里保存的修改优先，保存前会检查。", "Defaults come from the plugin and [plugins.queue.config] in data/linli.toml; changes saved here take precedence and are checked first."),
        policy_h = t(lang, "当前叫号规则（居民看到的说明）", "Current policy, as residents read it"),
        saved = t(lang, "已保存", "Saved"),
        bad_json = t(lang, "JSON 格式有误：", "Invalid JSON: "),
    );
    Ok(Response::page(t(lang, "排队设置", "Queue settings"), html))
}
