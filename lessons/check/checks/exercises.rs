//! Every lesson's exercise: its file, the function its check calls, its page, and what it
//! asks, in one line in each language.

pub struct Exercise {
    /// The lesson number, two digits.
    pub lesson: &'static str,
    /// The learner's file in `lessons/exercises/` (the course's answer has the same name in
    /// `lessons/exercises/solutions/`).
    pub file: &'static str,
    /// The function the check calls (the file must keep its name and signature).
    pub function: &'static str,
    /// The lesson's page, `docs/{page}.md` and `docs/zh-CN/{page}.md`.
    pub page: &'static str,
    /// What it asks, in English and in Chinese.
    pub task: (&'static str, &'static str),
}

impl Exercise {
    /// The task in the language of the moment.
    pub fn task(&self) -> &'static str {
        socket_lessons::lang::pick(self.task.0, self.task.1)
    }
}

pub const ALL: &[Exercise] = &[
    Exercise {
        lesson: "00",
        file: "00_close_your_side.rs",
        function: "serve",
        page: "00_tcp_states",
        task: (
            "serve: close each connection once its client has closed, client after client, \
             whatever each client does",
            "serve：客户端关闭之后关闭那条连接，一个接一个地服务客户端，不管客户端做什么",
        ),
    },
    Exercise {
        lesson: "01",
        file: "01_whole_reply.rs",
        function: "ask",
        page: "01_tcp_once",
        task: (
            "ask: send the whole message, return the server's whole reply up to its close, \
             as bytes",
            "ask：把消息完整发出，把服务端直到关闭为止的完整回答原样（按字节）返回",
        ),
    },
    Exercise {
        lesson: "02",
        file: "02_echo_server.rs",
        function: "serve",
        page: "02_tcp_loop",
        task: (
            "serve: an upper-case echo server that serves client after client, whatever each \
             one does",
            "serve：一个转大写的回显服务端，一个接一个地服务客户端，不管每个客户端做什么",
        ),
    },
    Exercise {
        lesson: "03",
        file: "03_rebind.rs",
        function: "listen",
        page: "03_conn_loop",
        task: (
            "listen: a listener that can restart on its port while its old connection is in \
             TIME_WAIT, and still cannot run twice",
            "listen：旧连接处于 TIME_WAIT 时也能在原端口上重启，但仍然不能同时运行两个",
        ),
    },
    Exercise {
        lesson: "04",
        file: "04_until_blank_line.rs",
        function: "next_answer",
        page: "04_sticky_demo",
        task: (
            "next_answer: one answer per call, up to its empty line, however the bytes arrive",
            "next_answer：每次调用返回一个回答，读到它的空行为止，不管字节怎样到达",
        ),
    },
    Exercise {
        lesson: "05",
        file: "05_whole_datagram.rs",
        function: "receive",
        page: "05_udp",
        task: (
            "receive: one UDP datagram, whole and unchanged, up to 65507 bytes, and who sent it",
            "receive：一个完整、原样的 UDP 数据报（最多 65507 字节），以及发送方",
        ),
    },
    Exercise {
        lesson: "06",
        file: "06_read_frame.rs",
        function: "read_frame",
        page: "06_length_prefix",
        task: (
            "read_frame: a whole frame however it arrives, an empty frame, a clean end, a cut \
             frame, a lying length",
            "read_frame：不管怎样到达都返回完整的帧；空帧、正常结束、被截断的帧、说谎的长度",
        ),
    },
    Exercise {
        lesson: "07",
        file: "07_run_with_limit.rs",
        function: "run",
        page: "07_remote_cmd",
        task: (
            "run: a command's stdout, or stderr when stdout is empty; at its time limit, killed \
             with everything it started, and said so",
            "run：命令的 stdout，stdout 为空时用 stderr；到了时限就连同它启动的一切一起杀掉，并说明",
        ),
    },
    Exercise {
        lesson: "08",
        file: "08_checked_answer.rs",
        function: "receive",
        page: "08_json_header",
        task: (
            "receive: a JSON-headed answer's body, only when its size and md5 hold; else an \
             error naming the check that failed",
            "receive：带 JSON 报头的回答的真实数据，只有大小和 md5 都对得上才返回；否则返回指明哪项检查失败的错误",
        ),
    },
    Exercise {
        lesson: "09",
        file: "09_save_safely.rs",
        function: "save",
        page: "09_file_header",
        task: (
            "save: a received file under its plain name only when whole and its md5 matches; \
             never replacing one, never leaving a partial one",
            "save：收到的文件只有完整且 md5 相符时才以它的普通文件名保存；绝不覆盖已有文件，绝不留下不完整的文件",
        ),
    },
    Exercise {
        lesson: "10",
        file: "10_verify_answer.rs",
        function: "verify",
        page: "10_hmac_auth",
        task: (
            "verify: exactly HMAC-MD5(secret, challenge), not a piece of it, compared in \
             constant time",
            "verify：恰好是 HMAC-MD5(密钥, 挑战)，不能只是其中一段，并且用常数时间比较",
        ),
    },
    Exercise {
        lesson: "11",
        file: "11_nonblocking_echo.rs",
        function: "serve",
        page: "11_concurrent_server",
        task: (
            "serve: one thread, non-blocking sockets; a silent client or one that does not read \
             must not hold up the others",
            "serve：一个线程、非阻塞套接字；一个不说话或不读取的客户端不能拖住其他客户端",
        ),
    },
    Exercise {
        lesson: "12",
        file: "12_time_client.rs",
        function: "ask_time",
        page: "12_udp_chat",
        task: (
            "ask_time: the time server's answer, or None when none comes from the server \
             within the wait",
            "ask_time：时间服务器的回答；如果在等待时间内没有来自时间服务器的回答，就返回 None",
        ),
    },
    Exercise {
        lesson: "13",
        file: "13_one_write.rs",
        function: "send_request",
        page: "13_nagle_stall",
        task: (
            "send_request: a framed request in one write, so Nagle has nothing to hold back, \
             and every byte of it sent",
            "send_request：一次写出一个带报头的请求，让 Nagle 没有什么可扣住的，并且一个字节也不少",
        ),
    },
];

/// The exercise of lesson `wanted` (`6`, `06`).
pub fn find(wanted: &str) -> Option<&'static Exercise> {
    ALL.iter().find(|e| {
        e.lesson == wanted || e.lesson.trim_start_matches('0') == wanted.trim_start_matches('0')
    })
}
