//! The real speaker: espeak-ng's Mandarin voice, played with aplay when the
//! PC has it (a screen without speakers still synthesises, which keeps the
//! timing of a zone the same).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::Speaker;

pub struct Espeak {
    dir: PathBuf,
    chime: PathBuf,
    play: bool,
    /// Words per minute; halls speak slowly.
    pub speed: u32,
}

impl Espeak {
    /// A speaker writing its audio under `dir`.
    pub fn new(dir: &Path) -> std::io::Result<Espeak> {
        std::fs::create_dir_all(dir)?;
        let chime = dir.join("chime.wav");
        std::fs::write(&chime, chime_wav())?;
        Ok(Espeak {
            dir: dir.to_path_buf(),
            chime,
            play: has_program("aplay"),
            speed: 140,
        })
    }

    /// Synthesises `text` to a WAV file and returns its path.
    pub fn synthesise(&self, text: &str) -> std::io::Result<PathBuf> {
        let out = self.dir.join("say.wav");
        let status = Command::new("espeak-ng")
            .args(["-v", "cmn", "-s", &self.speed.to_string(), "-w"])
            .arg(&out)
            .arg(text)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        if !status.success() {
            return Err(std::io::Error::other(format!(
                "espeak-ng exited with {status}"
            )));
        }
        Ok(out)
    }

    fn play(&self, wav: &Path) {
        if self.play {
            let _ = Command::new("aplay")
                .arg("-q")
                .arg(wav)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Speaker for Espeak {
    fn chime(&mut self) {
        self.play(&self.chime.clone());
    }

    fn say(&mut self, text: &str) {
        match self.synthesise(text) {
            Ok(wav) => self.play(&wav),
            Err(e) => {
                eprintln!("linli-signage: voice: {e} (install the Debian package `espeak-ng`)")
            }
        }
    }
}

pub fn has_program(name: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|p| p.join(name).is_file()))
        .unwrap_or(false)
}

/// A two-note "ding-dong" as 16-bit mono WAV, made here so no sound file ships.
pub fn chime_wav() -> Vec<u8> {
    const RATE: u32 = 22_050;
    let notes = [(659.25f32, 0.35f32), (523.25, 0.55)];
    let mut samples: Vec<i16> = Vec::new();
    for (freq, secs) in notes {
        let n = (RATE as f32 * secs) as usize;
        for i in 0..n {
            let t = i as f32 / RATE as f32;
            let envelope = (-t * 5.0).exp() * (t * 200.0).min(1.0);
            let v = (t * freq * std::f32::consts::TAU).sin() * envelope * 0.5;
            samples.push((v * i16::MAX as f32) as i16);
        }
    }
    let data_len = (samples.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&(RATE * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        wav.extend_from_slice(&s.to_le_bytes());
    }
    wav
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chime_is_a_wav() {
        let wav = chime_wav();
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..12], b"WAVE");
        assert!(wav.len() > 30_000);
    }

    #[test]
    fn espeak_synthesises_mandarin() {
        if !has_program("espeak-ng") {
            // Fails under CI; elsewhere a skip line the harness does not hide.
            linli_shared::skip::unavailable("espeak-ng is not installed: install the Debian package `espeak-ng`");
            return;
        }
        let dir = std::env::temp_dir().join(format!("linli-voice-test-{}", std::process::id()));
        let speaker = Espeak::new(&dir).expect("speaker");
        let wav = speaker
            .synthesise("请 A零幺二 号到 三 号窗口办理")
            .expect("synthesised");
        let len = std::fs::metadata(&wav).map(|m| m.len()).unwrap_or(0);
        assert!(len > 10_000, "espeak-ng wrote only {len} bytes");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
