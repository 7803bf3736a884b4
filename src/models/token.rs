//! Secret tokens (sessions, invitations, resets, setup): 256 random bits shown once, stored hashed.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A freshly made secret and the hash that is stored in its place.
#[derive(Clone, Debug)]
pub struct Token {
    /// The secret, given to the user once (in a cookie, a link or on the console).
    pub secret: String,
    /// SHA-256 of the secret, hex-encoded: what the database keeps.
    pub hash: String,
}

impl Token {
    /// A new random token.
    pub fn generate() -> Self {
        let secret = random_hex(32);
        let hash = hash(&secret);
        Self { secret, hash }
    }
}

/// `bytes` random bytes from a cryptographically secure generator, hex-encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // ThreadRng is a CSPRNG (ChaCha12) seeded and periodically reseeded from the OS.
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// The stored form of a secret.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// True when `secret` looks like one of our tokens (64 hex digits); others are not looked up.
pub fn is_well_formed(secret: &str) -> bool {
    secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())
}
