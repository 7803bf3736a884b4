//! Money: an integer count of minor units (cents) and a three-letter currency code. Rates also
//! carry a unit (per hour, per day); for comparisons a day counts as 8 hours.

/// Currencies offered in forms (any ISO 4217 code is accepted).
pub const CURRENCIES: &[(&str, &str)] =
    &[("EUR", "EUR"), ("USD", "USD"), ("GBP", "GBP"), ("CHF", "CHF"), ("CAD", "CAD"), ("AUD", "AUD")];

/// Rate units for contractors.
pub const RATE_UNITS: &[(&str, &str)] = &[("hour", "per hour"), ("day", "per day")];

/// Hours in a working day, for comparing day rates with hourly rates.
pub const HOURS_PER_DAY: i64 = 8;

/// Parses an amount such as "85", "85.5", "1,250.00" or "1 250" into minor units.
/// Refuses negative amounts, more than two decimals and amounts over ten million.
pub fn parse_amount(raw: &str) -> Result<i64, String> {
    let cleaned: String = raw.trim().chars().filter(|c| !matches!(c, ',' | ' ' | '_' | '\u{a0}')).collect();
    if cleaned.starts_with('-') {
        return Err("must not be negative".into());
    }
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err("must be an amount like 85 or 85.50".into());
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !fraction.chars().all(|c| c.is_ascii_digit()) || fraction.len() > 2
    {
        return Err("must be an amount like 85 or 85.50".into());
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "is too large".to_string())? };
    if whole > 10_000_000 {
        return Err("is too large".into());
    }
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().unwrap_or(0) * 10,
        _ => fraction.parse::<i64>().unwrap_or(0),
    };
    Ok(whole * 100 + cents)
}

/// Checks a currency code: three letters, upper-cased.
pub fn parse_currency(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_uppercase();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err("must be a three-letter currency code such as EUR".into())
    }
}

/// Minor units as a plain amount for a form field: 8550 → "85.50", 8500 → "85".
pub fn amount_for_input(minor: i64) -> String {
    if minor % 100 == 0 { (minor / 100).to_string() } else { format!("{}.{:02}", minor / 100, minor % 100) }
}

/// A rate for people: "EUR 85/hour", "GBP 650.50/day".
pub fn format_rate(minor: i64, currency: &str, unit: &str) -> String {
    format!("{currency} {}/{unit}", group_thousands(&amount_for_input(minor)))
}

/// Digits grouped by thousands: "12500.50" → "12,500.50".
pub fn group_thousands(amount: &str) -> String {
    let (whole, fraction) = amount.split_once('.').map_or((amount, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{grouped}.{f}"),
        None => grouped,
    }
}

/// A rate per hour in minor units, for comparing rates given per hour or per day.
pub fn hourly(minor: i64, unit: &str) -> i64 {
    if unit == "day" { minor / HOURS_PER_DAY } else { minor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_minor_units() {
        assert_eq!(parse_amount("85"), Ok(8500));
        assert_eq!(parse_amount("85.5"), Ok(8550));
        assert_eq!(parse_amount("1,250.05"), Ok(125005));
        assert!(parse_amount("-5").is_err());
        assert!(parse_amount("12.345").is_err());
        assert!(parse_amount("abc").is_err());
        assert!(parse_amount("99999999999").is_err());
    }

    #[test]
    fn rates_format_and_compare_per_hour() {
        assert_eq!(format_rate(125000, "EUR", "day"), "EUR 1,250/day");
        assert_eq!(format_rate(8550, "USD", "hour"), "USD 85.50/hour");
        assert_eq!(hourly(64000, "day"), 8000);
        assert_eq!(hourly(8000, "hour"), 8000);
    }
}
