//! Command line: every option in Chinese and English, each also settable by
//! an environment variable so a kiosk's service file stays short.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::speech::Digits;

/// 邻里社区便民服务大厅信息屏播放器 — Linli service hall signage player.
///
/// 跟随主机：  linli-signage --server http://10.0.0.2:8080 --screen hall-main
///             linli-signage --server https://linli.example.gov.cn --ca-file /etc/linli/ca.pem
/// 独立运行：  linli-signage --content /srv/linli/content --screen hall-main
/// 生成预览：  linli-signage --demo --headless --screenshot hall.png --at 3
/// 性能测试：  linli-signage --bench
/// 对比浏览器：linli-signage --bench-vs-chromium --seconds 60
#[derive(Debug, Parser)]
#[command(name = "linli-signage", version, verbatim_doc_comment)]
pub struct Cli {
    /// 主机地址，跟随其内容与叫号事件 / Follow this host's content and call events (http://host:port or https://host)
    #[arg(
        long,
        env = "LINLI_SIGNAGE_SERVER",
        value_name = "URL",
        conflicts_with = "content"
    )]
    pub server: Option<String>,

    /// 额外信任的证书颁发机构（PEM 文件），用于 https:// 主机使用本厅或街道自签证书时；公共证书无需此项 / Also trust the CA certificates in this PEM file when following an https:// host whose certificate the hall or district signs itself (not needed for a publicly issued certificate)
    #[arg(long, env = "LINLI_SIGNAGE_CA_FILE", value_name = "FILE", requires = "server")]
    pub ca_file: Option<PathBuf>,

    /// 本屏名称（选择布局与内容）/ This screen's name: picks its layout and items
    #[arg(
        long,
        env = "LINLI_SIGNAGE_SCREEN",
        value_name = "NAME",
        default_value = "hall-main"
    )]
    pub screen: String,

    /// 独立运行：本地内容文件夹（自动监视变化）/ Run standalone from a local content folder, watched for changes
    #[arg(long, env = "LINLI_SIGNAGE_CONTENT", value_name = "DIR")]
    pub content: Option<PathBuf>,

    /// 本屏的设备令牌（在“设备”页登记为等候区显示屏时获得），用于心跳与维护指令 / This screen's device token (from registering it as a screen on the Devices page): heartbeats and the maintainer's requests
    #[arg(long, env = "LINLI_SIGNAGE_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// 心跳间隔秒数（向主机报告状态）/ Seconds between heartbeats to the host
    #[arg(long, env = "LINLI_SIGNAGE_HEARTBEAT", value_name = "SECONDS", default_value_t = 10.0)]
    pub heartbeat: f64,

    /// 使用内置演示数据 / Show the built-in demo scene
    #[arg(long, conflicts_with_all = ["server", "content"])]
    pub demo: bool,

    /// 内容布局编号（screens/ID.toml）；默认取与屏幕同名的 / Content layout id (screens/ID.toml); default: the one named like the screen
    #[arg(long, env = "LINLI_SIGNAGE_LAYOUT", value_name = "ID")]
    pub layout_id: Option<String>,

    /// 内置布局；内容中无本屏布局时也按此名选择（landscape/portrait）/ Built-in layout; also picks the content layout of that id when the screen has none
    #[arg(long, value_enum, default_value_t = BuiltinLayout::Landscape)]
    pub layout: BuiltinLayout,

    /// 不开窗口，离屏渲染 / Render offscreen, without a window
    #[arg(long)]
    pub headless: bool,

    /// 保存一帧为 PNG（配合 --headless）/ Write one frame as PNG (with --headless)
    #[arg(long, value_name = "FILE", requires = "headless")]
    pub screenshot: Option<PathBuf>,

    /// 截图时刻，单位秒（自启动起）/ When that frame is, in seconds after start
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub at: f64,

    /// 离屏画面尺寸（默认 1920x1080；--bench 默认测 1080p 与 4K）/ Frame size offscreen, e.g. 1920x1080 or 1080x1920 (default 1920x1080; --bench: 1080p and 4K unless given)
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Option<(u32, u32)>,

    /// 运行性能测试并打印结果 / Run the benchmark (1920×1080 and 3840×2160) and print the figures
    #[arg(long)]
    pub bench: bool,

    /// 同一画面在 Chromium 中的 CPU 与内存对比（1920×1080；默认双方无头，--window 双方开窗口）/ Compare CPU time and memory with the same scene in Chromium (1920×1080): headless against headless, or window against window with --window
    #[arg(long, conflicts_with = "bench")]
    pub bench_vs_chromium: bool,

    /// 对比时双方都开真实窗口（需 DISPLAY，如 Xvfb）：播放器窗口对 Chromium --kiosk / Compare window with window: the player's real window and Chromium in --kiosk mode on the X display in DISPLAY (e.g. Xvfb)
    #[arg(long, requires = "bench_vs_chromium")]
    pub window: bool,

    /// 离屏性能测试不把每帧整幅复制到第二张纹理（模拟交换链呈现）/ --bench: do not copy each painted frame whole onto a second texture (the imitation of the window's present)
    #[arg(long)]
    pub no_present_copy: bool,

    /// 测试秒数（--bench 默认每种分辨率 5 秒，--bench-vs-chromium 默认每方 60 秒；窗口模式下运行该秒数后退出）/ Seconds per run: --bench 5 per size, --bench-vs-chromium 60 per side by default; with a window, exit after that long
    #[arg(long, alias = "seconds", value_name = "SECONDS")]
    pub bench_seconds: Option<f64>,

    /// 演示模式中新叫号的间隔秒数 / Seconds between the demo's new calls
    #[arg(long, value_name = "SECONDS", default_value_t = 8.0)]
    pub demo_call_every: f64,

    /// 窗口模式（调试用，非全屏）/ A normal window instead of fullscreen (for debugging)
    #[arg(long)]
    pub windowed: bool,

    /// 渲染 N 帧后退出（测试用）/ Exit after N frames (for tests)
    #[arg(long, value_name = "N")]
    pub frames: Option<u64>,

    /// 最高帧率（默认：有显卡 60，软件渲染 30；性能测试默认 60）/ Frame rate cap (default: 60 with a GPU, 30 on a software renderer; the benchmarks tick at 60 unless given)
    #[arg(long)]
    pub fps: Option<u32>,

    /// 总是经 wgpu 交换链呈现（不用 X11 共享内存局部呈现）/ Always present through wgpu's swapchain, not X11 shared memory (used with a software renderer on X11)
    #[arg(long)]
    pub swapchain: bool,

    /// 每帧整屏重绘（关闭局部重绘，诊断用）/ Paint every frame whole instead of only what changed (diagnosis)
    #[arg(long)]
    pub full_redraw: bool,

    /// 缓存目录 / Where the last content and calls are kept for offline starts
    #[arg(long, env = "LINLI_SIGNAGE_CACHE", value_name = "DIR")]
    pub cache: Option<PathBuf>,

    /// 语音播报开关 / Announce calls aloud
    #[arg(long, env = "LINLI_SIGNAGE_VOICE", value_enum, default_value_t = OnOff::On)]
    pub voice: OnOff,

    /// 每次叫号播报遍数 / How many times each call is announced
    #[arg(
        long,
        env = "LINLI_SIGNAGE_VOICE_REPEAT",
        value_name = "N",
        default_value_t = 2
    )]
    pub voice_repeat: u32,

    /// 号码中“1”的读法：幺或一，仅用于未带播报语的呼叫（叫号服务的播报语原样播放） / Read "1" in tickets as 幺 (yao) or 一 (yi), only for calls without a sentence (the queue's sentence is spoken as it is)
    #[arg(long, value_enum, default_value_t = Digits::Yao)]
    pub digits: Digits,

    /// 共用扬声器的区域名（同区域播报排队）/ Speaker zone: screens sharing speakers queue their announcements
    #[arg(long, env = "LINLI_SIGNAGE_SPEAKER_ZONE", value_name = "NAME")]
    pub speaker_zone: Option<String>,

    /// 本屏是否为所在区域的播报屏（默认由布局的 speaker 选项决定；窗口屏从不播报）/ Whether this screen is its speaker zone's one speaking screen (default: the layout's `speaker` option decides; a window display never speaks)
    #[arg(long, env = "LINLI_SIGNAGE_SPEAKS", value_enum, value_name = "on|off")]
    pub speaks: Option<OnOff>,

    /// 播报积压上限（超出时先删旧的重复）/ Most announcements waiting; older repeats are dropped first
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub voice_backlog: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BuiltinLayout {
    /// 横屏 16:9
    Landscape,
    /// 竖屏 9:16
    Portrait,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X', '×'])
        .ok_or_else(|| format!("{s:?}: expected WxH, e.g. 1920x1080"))?;
    let w: u32 = w.trim().parse().map_err(|_| format!("{s:?}: bad width"))?;
    let h: u32 = h.trim().parse().map_err(|_| format!("{s:?}: bad height"))?;
    if w == 0 || h == 0 || w > 8192 || h > 8192 {
        return Err(format!("{s:?}: each side must be 1..=8192"));
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_options() {
        let cli = Cli::try_parse_from([
            "linli-signage",
            "--demo",
            "--headless",
            "--screenshot",
            "x.png",
            "--at",
            "2.5",
            "--size",
            "1080x1920",
        ])
        .expect("parses");
        assert!(cli.demo && cli.headless);
        assert_eq!(cli.at, 2.5);
        assert_eq!(cli.size, Some((1080, 1920)));
        assert!(
            Cli::try_parse_from(["linli-signage", "--screenshot", "x.png"]).is_err(),
            "screenshot needs --headless"
        );
        assert!(
            Cli::try_parse_from(["linli-signage", "--server", "http://h", "--content", "d"])
                .is_err()
        );
        let cli = Cli::try_parse_from(["linli-signage", "--server", "https://h", "--ca-file", "/etc/linli/ca.pem"]).expect("parses");
        assert_eq!(cli.ca_file.as_deref(), Some(std::path::Path::new("/etc/linli/ca.pem")));
        assert!(
            Cli::try_parse_from(["linli-signage", "--ca-file", "ca.pem"]).is_err(),
            "--ca-file only with --server"
        );
    }
}
