//! The plugin's settings (`[plugins.applications.config]` in
//! `data/linli.toml`, merged over these defaults by the host).

use serde::{Deserialize, Serialize};
use serde_json::json;

// Each missing field takes its default from `default_json` (a
// container-level `#[serde(default)]` would call `Default::default`, which
// parses the defaults with this very type: endless recursion).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Config {
    /// The issuer printed on certificates: an override; empty = the hall's
    /// name (大厅信息, see [`Config::issuer`]).
    #[serde(default = "d_hall_name")]
    pub hall_name: String,
    /// The address phones reach (`http://192.168.1.10:8080`): the QR code
    /// of a certificate points there. An override: empty = the hall's
    /// public address (大厅信息); without either the QR holds the path.
    #[serde(default)]
    pub public_url: String,
    /// Working days to tell the resident what is missing (行政许可法第三十二条: 五日内一次告知).
    #[serde(default = "d_review_days")]
    pub review_days: i32,
    /// Supervisors see applications with this many working days left or fewer.
    #[serde(default = "d_due_soon_days")]
    pub due_soon_days: i32,
    /// The plugin the materials lists come from (capability `services`).
    #[serde(default = "d_guides_plugin")]
    pub guides_plugin: String,
    /// Reasons a clerk picks from when asking for a correction.
    #[serde(default = "d_reasons")]
    pub reasons: Vec<Reason>,
    /// Items used when the guides plugin cannot be asked (not installed,
    /// or the link not allowed): code, names, materials.
    #[serde(default = "d_items")]
    pub items: Vec<Item>,
    /// Items whose outcome 办结 issues a certificate (社区证明).
    #[serde(default = "d_certificates")]
    pub certificates: Vec<Certificate>,
    /// The queue plugin that issues an accepted application's priority
    /// ticket (capability `services`), and the queue service per item
    /// (`queue_service` when an item is not listed).
    #[serde(default = "d_queue_plugin")]
    pub queue_plugin: String,
    /// The appointments plugin (the booking an application links to).
    #[serde(default = "d_appointments_plugin")]
    pub appointments_plugin: String,
    #[serde(default = "d_queue_service")]
    pub queue_service: String,
    #[serde(default = "d_queue_services")]
    pub queue_services: std::collections::BTreeMap<String, String>,
}

fn d_queue_plugin() -> String {
    "queue".into()
}
fn d_appointments_plugin() -> String {
    "appointments".into()
}
fn d_queue_service() -> String {
    "A".into()
}
fn d_queue_services() -> std::collections::BTreeMap<String, String> {
    d("queue_services", Default::default())
}

fn d<T: serde::de::DeserializeOwned>(key: &str, fallback: T) -> T {
    default_json().get(key).cloned().and_then(|v| serde_json::from_value(v).ok()).unwrap_or(fallback)
}
impl Config {
    /// The issuer on a certificate: this service's own `hall_name`, else
    /// the hall's name (大厅信息), else the name certificates carried
    /// before the hall had one.
    pub fn issuer(&self) -> String {
        let name = linli_sdk::hall::name_or(&self.hall_name);
        if name.is_empty() { "邻里社区便民服务大厅".to_owned() } else { name }
    }
}

fn d_hall_name() -> String {
    d("hall_name", String::new())
}
fn d_review_days() -> i32 {
    5
}
fn d_due_soon_days() -> i32 {
    1
}
fn d_guides_plugin() -> String {
    "guides".into()
}
fn d_reasons() -> Vec<Reason> {
    d("reasons", vec![])
}
fn d_items() -> Vec<Item> {
    d("items", vec![])
}
fn d_certificates() -> Vec<Certificate> {
    d("certificates", vec![])
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Reason {
    pub code: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Item {
    pub code: String,
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    pub materials: Vec<ItemMaterial>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ItemMaterial {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub on_file: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Certificate {
    pub item: String,
    pub title_zh: String,
    pub title_en: String,
    /// The certificate's sentence; `{name}`, `{id}`, `{address}`, `{purpose}` filled in.
    pub text_zh: String,
}

impl Default for Config {
    fn default() -> Self {
        serde_json::from_value(default_json()).unwrap_or(Config {
            hall_name: String::new(),
            public_url: String::new(),
            review_days: 5,
            due_soon_days: 1,
            guides_plugin: "guides".into(),
            reasons: vec![],
            items: vec![],
            certificates: vec![],
            queue_plugin: d_queue_plugin(),
            appointments_plugin: d_appointments_plugin(),
            queue_service: d_queue_service(),
            queue_services: Default::default(),
        })
    }
}

impl Config {
    pub fn load() -> Config {
        linli_sdk::config::get::<Config>().unwrap_or_default()
    }
    pub fn reason(&self, code: &str) -> Option<&Reason> {
        self.reasons.iter().find(|r| r.code == code)
    }
    /// The queue service an item's ticket is for.
    pub fn queue_service_of(&self, item: &str) -> &str {
        self.queue_services.get(item).map(String::as_str).unwrap_or(&self.queue_service)
    }
    pub fn certificate(&self, item: &str) -> Option<&Certificate> {
        self.certificates.iter().find(|c| c.item == item)
    }
}

pub fn schema() -> serde_json::Value {
    json!({"type": "object"})
}

/// The defaults. The fallback items follow the guides' sample items (the
/// same codes and material ids), so an application reads the same either way.
pub fn default_json() -> serde_json::Value {
    json!({
        "hall_name": "",
        "public_url": "",
        "review_days": 5,
        "due_soon_days": 1,
        "guides_plugin": "guides",
        "queue_plugin": "queue",
        "appointments_plugin": "appointments",
        "queue_service": "A",
        "queue_services": {"juzhu-zhengming": "D", "qinshu-zhengming": "D", "jingji-kunnan-zhengming": "D"},
        "reasons": [
            {"code": "unclear", "zh": "图像不清晰，无法辨认", "en": "The image is not clear enough to read"},
            {"code": "incomplete", "zh": "材料不完整（缺页或缺少正反面）", "en": "Incomplete (pages or a side missing)"},
            {"code": "expired", "zh": "证件已过有效期", "en": "The document has expired"},
            {"code": "wrong", "zh": "上传的不是所要求的材料", "en": "Not the material asked for"},
            {"code": "unsigned", "zh": "缺少签名或盖章", "en": "A signature or seal is missing"},
            {"code": "mismatch", "zh": "信息与申请人不一致", "en": "The details do not match the applicant"}
        ],
        "items": [
            {"code": "dibao", "name_zh": "最低生活保障申请", "name_en": "Minimum living allowance", "materials": [
                {"id": "m1", "name": "社会救助申请书（含家庭经济状况核对授权书）"},
                {"id": "m2", "name": "全体共同生活家庭成员的居民身份证"},
                {"id": "m3", "name": "居民户口簿", "on_file": true},
                {"id": "m4", "name": "家庭成员收入情况说明（工资证明、养老金、失业保险金等）"},
                {"id": "m5", "name": "残疾证、病历等证明特殊困难的材料"}
            ]},
            {"code": "juzhu-zhengming", "name_zh": "居住证明开具", "name_en": "Certificate of residence", "materials": [
                {"id": "m1", "name": "申请人居民身份证"},
                {"id": "m2", "name": "房屋产权证明或租赁合同"},
                {"id": "m3", "name": "需要证明的单位出具的用途说明"}
            ]}
        ],
        "certificates": [
            {"item": "juzhu-zhengming", "title_zh": "居住证明", "title_en": "Certificate of residence",
             "text_zh": "兹证明{name}（身份证号：{id}）现居住于本社区{address}。此证明用于{purpose}。"},
            {"item": "qinshu-zhengming", "title_zh": "亲属关系证明", "title_en": "Certificate of family relationship",
             "text_zh": "兹证明{name}（身份证号：{id}）的亲属关系情况经本社区核实属实。此证明用于{purpose}。"},
            {"item": "jingji-kunnan-zhengming", "title_zh": "家庭经济困难情况证明", "title_en": "Certificate of family financial hardship",
             "text_zh": "兹证明{name}（身份证号：{id}）家庭经济困难情况经本社区核实属实。此证明用于{purpose}。"}
        ]
    })
}
