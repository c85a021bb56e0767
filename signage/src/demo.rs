//! A representative scene for previews, screenshots and the benchmark.

use crate::scene::{Call, CarouselItem, Scene, ServiceWaiting};

/// A call as the host would send it for `ticket` at `window`: the queue
/// plugin's own payload (`linli_shared::events::Call`), speech included.
pub fn call(ticket: &str, window: &str, event_id: u64) -> Call {
    let service = ticket.chars().next().map(String::from).unwrap_or_default();
    Call::from_event(linli_shared::events::Call::new(ticket, &service, window, None), event_id, false)
}

pub fn waiting() -> Vec<ServiceWaiting> {
    let s = |code: &str, zh: &str, en: &str, waiting| ServiceWaiting {
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        waiting,
    };
    vec![
        s("A", "民政事务", "Civil affairs", 5),
        s("B", "社保医保", "Social insurance", 12),
        s("C", "户籍证明", "Household registration", 3),
        s("D", "老年服务", "Elderly services", 0),
    ]
}

pub fn ticker() -> Vec<String> {
    vec![
        "本大厅办公时间：周一至周五 08:30-17:00，周六 09:00-12:00".into(),
        "请携带身份证原件，提前准备好相关材料".into(),
        "Please keep your ticket and watch the screen for your number".into(),
    ]
}

pub fn carousel() -> Vec<CarouselItem> {
    vec![
        CarouselItem {
            title: "医保年度缴费开始".into(),
            body: "2025年度城乡居民医保缴费已开始，可在 2 号、3 号窗口或线上办理。60 岁以上老人可由家属代办。".into(),
            image: None,
            duration_s: 8.0,
        },
        CarouselItem {
            title: "老年人助餐服务".into(),
            body: "社区食堂为 65 岁以上老人提供午餐补贴，请到 D 窗口登记。".into(),
            image: None,
            duration_s: 8.0,
        },
    ]
}

/// Calls A008..A012, newest (A012 at window 3) last, with the waiting board
/// and notices filled in; the newest call arrived at `t`.
pub fn scene(t: f64) -> Scene {
    let mut scene = Scene::default();
    scene.set_waiting(waiting());
    scene.set_content(ticker(), carousel(), None);
    for (i, (ticket, window)) in [
        ("A008", "1"),
        ("B021", "4"),
        ("A009", "2"),
        ("C003", "5"),
        ("A012", "3"),
    ]
    .iter()
    .enumerate()
    {
        scene.apply_call(call(ticket, window, i as u64 + 1), t);
    }
    scene
}
