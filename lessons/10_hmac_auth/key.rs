//! What both sides must agree on: the secret and the digest, and both sides' refusal of a
//! secret too short to be worth checking.

use clap::Args;
use socket_lessons::wire::auth::Digest;
use socket_lessons::Report;

/// What both sides must agree on.
#[derive(Args)]
pub(crate) struct Key {
    /// The shared secret. Prefer the environment variable: a command line is visible to
    /// every user of the machine (`ps`).
    #[arg(long, env = "SOCKET_LESSONS_SECRET", hide_env_values = true)]
    pub(crate) secret: Option<String>,
    /// The hash under the HMAC: md5 is what the notes' Python programs compute (kept for
    /// them); sha256 is the modern choice.
    #[arg(long, default_value = "md5", value_parser = socket_lessons::stage::cli::one_of(&Digest::ALL, Digest::name, Digest::about))]
    pub(crate) digest: Digest,
    /// Accept a secret shorter than the digest (16 bytes for md5, 32 for sha256), such as
    /// the notes' 13-byte salt: only to pair with the notes' programs, which have it
    /// written in. An empty secret is refused even so.
    #[arg(long)]
    pub(crate) allow_short_secret: bool,
}

impl Key {
    /// The secret, refused when it is empty, or shorter than the digest's output unless
    /// `--allow-short-secret` (the notes' salt): on both sides. The check at the door is
    /// only as strong as the secret: anyone who records one challenge and its answer can
    /// try secrets offline, as fast as a machine computes HMAC, until one gives the same
    /// answer; a fake server gets such an answer from any client that connects to it, for
    /// a challenge it chose (an attack found the client answering with a 1-byte secret, and
    /// an empty one). An empty secret lets everybody in at the first try. RFC 2104 §3: a key
    /// shorter than the hash's output (L bytes) "is strongly discouraged".
    pub(crate) fn checked_secret(&self) -> Result<&[u8], Report> {
        let secret = self.secret()?;
        let least = self.digest.answer_len();
        if secret.is_empty() {
            return Err(Report::msg(socket_lessons::tr!(
                "the secret is empty: anyone can compute the answer to any challenge, so the \
                 check proves nothing; set a random one of at least {least} bytes, e.g. \
                 SOCKET_LESSONS_SECRET=$(openssl rand -hex 16)"
                    | "密钥是空的：谁都能算出任何挑战的应答，校验什么也证明不了；请设置一个至少 \
                 {least} 字节的随机密钥，例如 SOCKET_LESSONS_SECRET=$(openssl rand -hex 16)"
            )));
        }
        if secret.len() < least && !self.allow_short_secret {
            return Err(Report::msg(socket_lessons::tr!(
                "the secret is {} bytes; both sides need at least {least} for {} (RFC 2104: \
                 whoever records one challenge and its answer can try short secrets offline): \
                 use a random one, e.g. SOCKET_LESSONS_SECRET=$(openssl rand -hex 16), or pass \
                 --allow-short-secret to pair with the notes' programs"
                    | "密钥只有 {} 字节；用 {} 时两端都要求至少 {least} 字节（RFC 2104：\
                 谁录下一次挑战和应答，就能离线逐个试短密钥）：请用随机密钥，例如 \
                 SOCKET_LESSONS_SECRET=$(openssl rand -hex 16)，或者加 --allow-short-secret \
                 和笔记的程序配对",
                secret.len(),
                self.digest
            )));
        }
        Ok(secret)
    }

    /// The warning a side prints when `--allow-short-secret` let a short secret through.
    pub(crate) fn short_warning(&self, secret: &[u8]) -> Option<String> {
        (secret.len() < self.digest.answer_len()).then(|| {
            socket_lessons::tr!(
                "warning: the secret is {} bytes, shorter than {}'s {} (--allow-short-secret): \
                 whoever records one challenge and its answer can test guesses offline"
                    | "警告：密钥只有 {} 字节，短于 {} 的 {} 字节（--allow-short-secret）：\
                 谁录下一次挑战和应答，就能离线试猜它",
                secret.len(),
                self.digest,
                self.digest.answer_len()
            )
        })
    }

    /// The secret, or an error that says both ways to give it.
    pub(crate) fn secret(&self) -> Result<&[u8], Report> {
        self.secret.as_deref().map(str::as_bytes).ok_or_else(|| {
            Report::msg(socket_lessons::tr!(
                "no secret: set SOCKET_LESSONS_SECRET=… in the environment (or pass --secret …, \
                 which every user of the machine can read in `ps`); both sides need the same one"
                    | "没有密钥：在环境变量里设置 SOCKET_LESSONS_SECRET=…（或者加 --secret …，\
                 但机器上的每个用户都能在 `ps` 里看到它）；两端要用同一个"
            ))
        })
    }
}
