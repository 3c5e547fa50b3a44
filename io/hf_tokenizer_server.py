"""ropescale's Hugging Face tokenizer server: one child process per HfTokenizer (io/hf_tokenizer.h).

It serves one tokenizer.json with the PyPI `tokenizers` package (Rust, no torch) over its
standard input and output. ropescale embeds this file in its binary and runs it as
`PYTHON -c <this file>`; `python3 io/hf_tokenizer_server.py` runs it from the source tree too.

Protocol (little-endian). Every message, both ways, is one frame:
    kind: 1 byte (ASCII) | n: u64 payload length | payload: n bytes
Requests and their replies (a reply has the request's kind):
    'L' tokenizer.json bytes (UTF-8; the first request, once)
        -> i64 vocab_size, then the `tokenizers` version (UTF-8)
    'E' text (UTF-8)
        -> i64 count, count x i32 ids, count x (i64 begin, i64 end)
           the tokens of encode(text, add_special_tokens=False) and the library's offsets,
           in characters (code points) of the text; ropescale turns them into byte offsets
    'D' count x i32 ids
        -> text (UTF-8): decode(ids, skip_special_tokens=False)
A request that fails is answered by kind '!' with a UTF-8 message; the server keeps serving.
The message starts with the Python exception's name: a server whose interpreter lacks the
`tokenizers` module answers every request with '!' "ModuleNotFoundError: ...".
End of input: the server exits with status 0.

vocab_size counts the added tokens and is at least the largest id + 1, so every id is below it.
Anything the library prints goes to standard error: standard output carries frames only.
"""
import os
import struct
import sys

# `-c` puts the working folder first on the path: a stray tokenizers/ there must not shadow
# the installed package.
sys.path = [p for p in sys.path if p not in ("", ".")]

HEADER = struct.Struct("<cQ")


def read_exactly(stream, n):
    data = stream.read(n)
    if len(data) != n:
        return None
    return data


def write_frame(stream, kind, payload):
    stream.write(HEADER.pack(kind, len(payload)))
    stream.write(payload)
    stream.flush()


def load(payload, tokenizers):
    tokenizer = tokenizers.Tokenizer.from_str(payload.decode("utf-8"))
    ids = tokenizer.get_vocab(with_added_tokens=True).values()
    vocab_size = max(tokenizer.get_vocab_size(with_added_tokens=True), max(ids, default=-1) + 1)
    return tokenizer, struct.pack("<q", vocab_size) + tokenizers.__version__.encode("utf-8")


def utf8_text(payload):
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError("text is not valid UTF-8 at byte %d" % error.start) from None


def encode(tokenizer, payload):
    from array import array
    from itertools import chain

    encoding = tokenizer.encode(utf8_text(payload), add_special_tokens=False)
    ids = array("i", encoding.ids)
    offsets = array("q", chain.from_iterable(encoding.offsets))
    if ids.itemsize != 4 or offsets.itemsize != 8 or sys.byteorder != "little":
        raise RuntimeError("this server needs a little-endian host with 4-byte C ints")
    return struct.pack("<q", len(ids)) + ids.tobytes() + offsets.tobytes()


def decode(tokenizer, payload):
    from array import array

    ids = array("i")
    ids.frombytes(payload)
    return tokenizer.decode(ids.tolist(), skip_special_tokens=False).encode("utf-8")


def serve(requests, replies):
    try:
        import tokenizers
    except ImportError as error:
        tokenizers, missing = None, str(error)
    tokenizer = None
    while True:
        header = read_exactly(requests, HEADER.size)
        if header is None:
            return
        kind, n = HEADER.unpack(header)
        payload = read_exactly(requests, n)
        if payload is None:
            return
        try:
            if tokenizers is None:
                raise ModuleNotFoundError(missing)
            if kind == b"L":
                tokenizer, reply = load(payload, tokenizers)
            elif tokenizer is None:
                raise RuntimeError("no tokenizer loaded")
            elif kind == b"E":
                reply = encode(tokenizer, payload)
            elif kind == b"D":
                reply = decode(tokenizer, payload)
            else:
                raise RuntimeError("unknown request kind %r" % kind)
            write_frame(replies, kind, reply)
        except Exception as error:  # every failure goes back as a message
            write_frame(replies, b"!", ("%s: %s" % (type(error).__name__, error)).encode("utf-8"))


def main():
    # Frames go to a private copy of standard output; file descriptor 1 becomes standard error.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
