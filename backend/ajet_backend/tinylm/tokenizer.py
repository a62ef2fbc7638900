"""The Python twin of packages/tinylm/src/tokenizer.ts: words, bytes and number pointers. Each number in a
sequence becomes a pointer token <Nk> (k in order of first appearance); its first occurrence carries its
characters once (<Nk> chars <end_num>), later copies are the pointer alone; with repeated_numbers="define" a number
met again in input text (every message but the assistant's) defines a pointer of its own, and the assistant's k-th
copy of a number takes its k-th pointer. Golden-tested against the TypeScript tokenizer
(backend/tests/fixtures/tinylm_golden.json, written by scripts/gen-tinylm-golden.ts)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable

BYTE_TOKENS = 256
IM_START = 256
IM_END = 257
END_OF_TEXT = 258
END_NUMBER = 259
FIRST_POINTER = 260
NEWLINE = 10

SPECIAL_TEXT = {IM_START: "<|im_start|>", IM_END: "<|im_end|>", END_OF_TEXT: "<|endoftext|>"}

# The TypeScript pattern with the u flag: \d there is ASCII only, so [0-9] here (Python's \d takes every digit).
PIECE = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:e[+-][0-9]+)?| ?[A-Za-z]+| +|\n|[^\n]")


def _is_number(piece: str) -> bool:
    return "0" <= piece[0] <= "9"


def _utf8(piece: str) -> list[int]:
    # TextEncoder writes a lone surrogate as U+FFFD; so does this.
    return list("".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in piece).encode("utf-8"))


REPEATED_NUMBERS = ("copy", "define")


class TinyTokenizer:
    def __init__(self, *, pointers: int, words: Iterable[str], repeated_numbers: str = "copy") -> None:
        if repeated_numbers not in REPEATED_NUMBERS:
            raise ValueError(f"tokenizer.repeatedNumbers {repeated_numbers!r}: expected copy or define")
        self.pointers = pointers
        self.words = list(words)
        self.repeated_numbers = repeated_numbers
        self.first_word = FIRST_POINTER + pointers
        self.word_ids = {word: self.first_word + index for index, word in enumerate(self.words)}
        self.vocab_size = self.first_word + len(self.words)

    def is_pointer(self, token_id: int) -> bool:
        return FIRST_POINTER <= token_id < FIRST_POINTER + self.pointers

    def encode(self, text: str, table: list[str], input: bool = False) -> list[int]:
        """Encodes text, defining and referring to numbers through `table` (which it extends). `input` marks text the
        model reads (every message but the assistant's); it matters under repeated_numbers="define"."""
        define_repeats = input and self.repeated_numbers == "define"
        uses: dict[str, int] = {}
        ids: list[int] = []
        for match in PIECE.finditer(text):
            piece = match.group(0)
            if _is_number(piece):
                known = -1 if define_repeats and len(table) < self.pointers else self._pointer_for(piece, table, uses)
                if known >= 0:
                    ids.append(FIRST_POINTER + known)
                    continue
                if len(table) < self.pointers:
                    ids.extend([FIRST_POINTER + len(table), *_utf8(piece), END_NUMBER])
                    table.append(piece)
                    continue
            known = self.word_ids.get(piece)
            if known is not None:
                ids.append(known)
            elif piece.startswith(" ") and piece[1:] in self.word_ids:
                ids.extend([32, self.word_ids[piece[1:]]])
            else:
                ids.extend(_utf8(piece))
        return ids

    def _pointer_for(self, piece: str, table: list[str], uses: dict[str, int]) -> int:
        """The pointer a copy of `piece` refers to (-1: none yet): under "define" the k-th copy in one text takes the
        k-th pointer holding the number (the last once they run out)."""
        held = [index for index, value in enumerate(table) if value == piece]
        if not held:
            return -1
        if self.repeated_numbers == "copy":
            return held[0]
        use = uses.get(piece, 0)
        uses[piece] = use + 1
        return held[min(use, len(held) - 1)]

    def table_of(self, ids: Iterable[int]) -> list[str]:
        """The pointer table a sequence of ids defines."""
        decoder = self.decoder([])
        for token_id in ids:
            decoder.push(token_id)
        return decoder.table

    def decoder(self, table: list[str]) -> TokenDecoder:
        return TokenDecoder(self, list(table))

    def token_text(self, token_id: int) -> str:
        if token_id < BYTE_TOKENS:
            return chr(token_id)
        if token_id in SPECIAL_TEXT:
            return SPECIAL_TEXT[token_id]
        if token_id == END_NUMBER:
            return ""
        if self.is_pointer(token_id):
            return f"<N{token_id - FIRST_POINTER + 1}>"
        index = token_id - self.first_word
        return self.words[index] if 0 <= index < len(self.words) else ""


class TokenDecoder:
    """A streaming decoder: push(id) returns that token's text; pointers resolve through the table."""

    def __init__(self, tokenizer: TinyTokenizer, table: list[str]) -> None:
        self.tokenizer = tokenizer
        self.table = table
        self._bytes = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # While a number's definition is being read: its pointer index and characters so far.
        self._defining: tuple[int, str] | None = None

    def _set(self, index: int, text: str) -> None:
        # A JavaScript array grows with holes; a hole reads as undefined, here as None.
        while len(self.table) <= index:
            self.table.append(None)  # type: ignore[arg-type]
        self.table[index] = text

    def push(self, token_id: int) -> str:
        if self._defining is not None:
            index, text = self._defining
            if token_id == END_NUMBER:
                self._set(index, text)
                self._defining = None
                return ""
            if token_id < BYTE_TOKENS:
                piece = self._bytes.decode(bytes([token_id]))
                self._defining = (index, text + piece)
                return piece
            # A definition cut short by another token: keep what was written.
            self._set(index, text)
            self._defining = None
        if self.tokenizer.is_pointer(token_id):
            index = token_id - FIRST_POINTER
            known = self.table[index] if index < len(self.table) else None
            if known is not None:
                return known
            self._defining = (index, "")
            return ""
        if token_id < BYTE_TOKENS:
            return self._bytes.decode(bytes([token_id]))
        return self.tokenizer.token_text(token_id)


def render_chat(*, tokenizer: TinyTokenizer, messages: list[dict], add_generation_prompt: bool, prefix_ids: list[int] | None = None, prefix_count: int = 0) -> list[int]:
    """ChatML as packages/tinylm/src/chat-format.ts writes it: `<|im_start|>role\\ncontent<|im_end|>\\n` per message
    and `<|im_start|>assistant\\n` to open the reply. With a prefix, only the tokens after it, numbered on from the
    prefix's pointer table, closing the prefix's last turn when its completion did not."""
    table = tokenizer.table_of(prefix_ids) if prefix_ids is not None else []
    ids: list[int] = []
    if prefix_ids is not None:
        if not prefix_ids or prefix_ids[-1] != IM_END:
            ids.append(IM_END)
        ids.append(NEWLINE)
        messages = messages[prefix_count:]
    for message in messages:
        text = f"{message['role']}\n{message.get('content') or ''}"
        ids.extend([IM_START, *tokenizer.encode(text, table, message["role"] != "assistant"), IM_END, NEWLINE])
    if add_generation_prompt:
        ids.extend([IM_START, *tokenizer.encode("assistant\n", table)])
    return ids
