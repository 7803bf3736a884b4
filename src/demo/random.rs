//! Seeded choices for the demo: every part draws from its own stream, derived from the seed and
//! the part's name, so a part's data does not change when another part changes.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use fake::Fake;
use fake::faker::name::raw::{FirstName, LastName};
use fake::locales::{FR_FR, IT_IT, NL_NL, PT_PT, TR_TR};
use fake::rand::rngs::ChaCha8Rng;
use fake::rand::{RngExt, SeedableRng};

use super::words::{DE_AT_CH, EN_GB, EN_IN, ES_ES, Names, PL_PL, SV_DA};

/// The demo's random source: ChaCha8 gives the same numbers for a seed on every platform and
/// every version of `rand`.
pub type DemoRng = ChaCha8Rng;

/// The stream for one part of the demo.
pub fn rng_for(seed: u64, part: &str) -> DemoRng {
    // FNV-1a: a stable hash (std's hasher may change between Rust releases).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in part.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    DemoRng::seed_from_u64(seed ^ hash)
}

/// True with probability `p`.
pub fn chance(rng: &mut DemoRng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// One item, uniformly.
pub fn pick<'a, T>(rng: &mut DemoRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// One item, by weight.
pub fn weighted<'a, T>(rng: &mut DemoRng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for item in items {
        let w = weight(item);
        if roll < w {
            return item;
        }
        roll -= w;
    }
    &items[items.len() - 1]
}

/// An index in `0..n` where index k is drawn with weight 1/(k+1) (Zipf's law).
pub fn zipf(rng: &mut DemoRng, n: usize) -> usize {
    let total: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
    let mut roll = rng.random::<f64>() * total;
    for k in 0..n {
        roll -= 1.0 / (k + 1) as f64;
        if roll <= 0.0 {
            return k;
        }
    }
    n - 1
}

/// Shuffles `items` in place (Fisher–Yates).
pub fn shuffle<T>(rng: &mut DemoRng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.random_range(0..=i));
    }
}

/// A standard normal number (Box–Muller).
pub fn normal(rng: &mut DemoRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A whole number in `low..=high`.
pub fn between(rng: &mut DemoRng, low: i64, high: i64) -> i64 {
    rng.random_range(low..=high)
}

/// `pattern` with every `#` replaced by a digit.
pub fn digits(rng: &mut DemoRng, pattern: &str) -> String {
    pattern.chars().map(|c| if c == '#' { char::from(b'0' + rng.random_range(0..10u8)) } else { c }).collect()
}

/// A person's first and family name from a name list (through `fake`).
pub fn person_name(rng: &mut DemoRng, names: Names) -> (String, String) {
    fn draw<L: fake::locales::Data + Copy>(rng: &mut DemoRng, locale: L) -> (String, String) {
        (FirstName(locale).fake_with_rng(rng), LastName(locale).fake_with_rng(rng))
    }
    match names {
        Names::British => draw(rng, EN_GB),
        Names::German => draw(rng, DE_AT_CH),
        Names::Dutch => draw(rng, NL_NL),
        Names::French => draw(rng, FR_FR),
        Names::Italian => draw(rng, IT_IT),
        Names::Portuguese => draw(rng, PT_PT),
        Names::Spanish => draw(rng, ES_ES),
        Names::Polish => draw(rng, PL_PL),
        Names::Indian => draw(rng, EN_IN),
        Names::Turkish => draw(rng, TR_TR),
        Names::Nordic => draw(rng, SV_DA),
    }
}

/// Lower-case ASCII letters and digits of a name, for email addresses and web domains
/// ("Łukasz" → "lukasz", "O'Brien" → "obrien", "de Jong" → "dejong").
pub fn ascii_slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        let folded = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' | 'ą' => "a",
            'é' | 'è' | 'ê' | 'ë' | 'ě' | 'ę' => "e",
            'í' | 'ì' | 'î' | 'ï' | 'ı' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ő' => "o",
            'ú' | 'ù' | 'û' | 'ü' | 'ű' | 'ů' => "u",
            'ç' | 'ć' | 'č' => "c",
            'ñ' | 'ń' => "n",
            'ś' | 'š' | 'ş' => "s",
            'ź' | 'ż' | 'ž' => "z",
            'ł' => "l",
            'ğ' => "g",
            'ř' => "r",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            _ => "",
        };
        out.push_str(folded);
    }
    out
}

/// `template` with each `{key}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut text = template.to_string();
    for (key, value) in values {
        text = text.replace(&format!("{{{key}}}"), value);
    }
    text
}

/// A moment on a working day (Monday to Friday, 08:00–18:59) `days` days before `today`.
pub fn working_time(rng: &mut DemoRng, today: NaiveDate, days: i64) -> NaiveDateTime {
    let mut date = today - TimeDelta::days(days);
    while matches!(chrono::Datelike::weekday(&date), chrono::Weekday::Sat | chrono::Weekday::Sun) {
        date -= TimeDelta::days(1);
    }
    let seconds = rng.random_range(8 * 3600..19 * 3600);
    date.and_time(NaiveTime::MIN) + TimeDelta::seconds(seconds)
}

/// A moment `days_low..=days_high` days before `now` (any hour), never after `now`.
pub fn some_time_before(rng: &mut DemoRng, now: NaiveDateTime, days_low: i64, days_high: i64) -> NaiveDateTime {
    let seconds = rng.random_range(days_low * 86_400..=days_high * 86_400);
    (now - TimeDelta::seconds(seconds)).min(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let mut a = rng_for(7, "contractors");
        let mut b = rng_for(7, "contractors");
        let mut c = rng_for(7, "clients");
        let draw = |r: &mut DemoRng| (0..5).map(|_| between(r, 0, 1_000_000)).collect::<Vec<_>>();
        let first = draw(&mut a);
        assert_eq!(first, draw(&mut b));
        assert_ne!(first, draw(&mut c));
    }

    #[test]
    fn names_fold_to_plain_ascii() {
        assert_eq!(ascii_slug("Łukasz"), "lukasz");
        assert_eq!(ascii_slug("O'Brien"), "obrien");
        assert_eq!(ascii_slug("de Jong"), "dejong");
        assert_eq!(ascii_slug("Müller-Lüdenscheidt"), "mullerludenscheidt");
        assert_eq!(ascii_slug("Yılmaz"), "yilmaz");
    }

    #[test]
    fn zipf_prefers_the_first_items() {
        let mut rng = rng_for(1, "zipf");
        let mut counts = [0usize; 10];
        for _ in 0..5_000 {
            counts[zipf(&mut rng, 10)] += 1;
        }
        assert!(counts[0] > counts[1] && counts[1] > counts[4] && counts[4] > counts[9], "{counts:?}");
    }
}
