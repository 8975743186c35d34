//! What both sides must agree on: the secret and the digest, and the server's refusal of a
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
}

impl Key {
    /// The server's secret: as [`Key::secret`], and refused when it is empty, or shorter
    /// than the digest's output unless `allow_short` (the notes' salt). The check at the
    /// door is only as strong as the secret: anyone who records one challenge and its
    /// answer can try secrets offline, as fast as a machine computes HMAC, until one
    /// gives the same answer; an empty one lets everybody in at the first try. RFC 2104
    /// §3: a key shorter than the hash's output (L bytes) "is strongly discouraged".
    pub(crate) fn server_secret(&self, allow_short: bool) -> Result<&[u8], Report> {
        let secret = self.secret()?;
        let least = self.digest.answer_len();
        if secret.is_empty() {
            return Err(Report::msg(socket_lessons::tr!(
                "the secret is empty: every client would pass the check; set a random one of \
                 at least {least} bytes, e.g. SOCKET_LESSONS_SECRET=$(openssl rand -hex 16)"
                    | "密钥是空的：任何客户端都能通过验证；请设置一个至少 {least} 字节的随机密钥，\
                 例如 SOCKET_LESSONS_SECRET=$(openssl rand -hex 16)"
            )));
        }
        if secret.len() < least && !allow_short {
            return Err(Report::msg(socket_lessons::tr!(
                "the secret is {} bytes; the server needs at least {least} for {} (RFC 2104: \
                 whoever records one challenge and its answer can try short secrets offline): \
                 use a random one, e.g. SOCKET_LESSONS_SECRET=$(openssl rand -hex 16), or pass \
                 --allow-short-secret to pair with the notes' programs"
                    | "密钥只有 {} 字节；服务端用 {} 时要求至少 {least} 字节（RFC 2104：\
                 谁录下一次挑战和应答，就能离线逐个试短密钥）：请用随机密钥，例如 \
                 SOCKET_LESSONS_SECRET=$(openssl rand -hex 16)，或者加 --allow-short-secret \
                 和笔记的程序配对",
                secret.len(),
                self.digest
            )));
        }
        Ok(secret)
    }

    /// The secret, or an error that says both ways to give it.
    pub(crate) fn secret(&self) -> Result<&[u8], Report> {
        self.secret.as_deref().map(str::as_bytes).ok_or_else(|| {
            Report::msg(
                "no secret: set SOCKET_LESSONS_SECRET=… in the environment (or pass --secret …, \
                 which every user of the machine can read in `ps`); both sides need the same one",
            )
        })
    }
}
