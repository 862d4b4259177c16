"""Which model a meter name bills: an ordered table from meter-name prefixes to ARM model names.

Patterns run against the normalised meter name (lower case, `-`/`_`/blanks folded to one blank, see
`meter_names.normalise_meter_name`) and are anchored at its start. The first match wins, so a more
specific alias (`gpt 4o mini`) must come before a more general one (`gpt 4o`). The matched text is
cut from the name before the parser looks for the version, direction, deployment type and mode, so
an alias must not swallow those words (`batch`, `inp`, `glbl`, a version code).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from shared.core.meters import TokenKind


@dataclass(frozen=True)
class ModelAlias:
    """One way meter names spell a model.

    `implicit_kind` is the kind of a meter of this model whose name carries no direction (embeddings
    bill input tokens only; text-to-speech bills characters). `odd_versions` maps version words that
    are not MMDD (`125` in `gpt-35-trb16K-Batch-125-Inp-glbl`) to the MMDD code they stand for.
    """

    pattern: re.Pattern[str]
    model: str
    implicit_kind: TokenKind | None = None
    odd_versions: tuple[tuple[str, str], ...] = ()

    def match(self, normalised_name: str) -> re.Match[str] | None:
        return self.pattern.match(normalised_name)


def _alias(
    pattern: str,
    model: str,
    implicit_kind: TokenKind | None = None,
    odd_versions: Mapping[str, str] | None = None,
) -> ModelAlias:
    return ModelAlias(
        pattern=re.compile(pattern),
        model=model,
        implicit_kind=implicit_kind,
        odd_versions=tuple((odd_versions or {}).items()),
    )


# Realtime and audio variants come before their base models; `mini` before the plain name.
_GPT_4O: tuple[ModelAlias, ...] = (
    _alias(
        r"gpt ?4o ?mini ?(?:rt|realtime|rtime) ?(?:aud|txt|audio|text)?",
        "gpt-4o-mini-realtime-preview",
    ),
    _alias(r"gpt ?4o ?mini ?(?:aud|audio)", "gpt-4o-mini-audio-preview"),
    _alias(r"gpt ?4o ?mini ?tts", "gpt-4o-mini-tts"),
    _alias(r"gpt ?4o ?mini ?transcribe", "gpt-4o-mini-transcribe"),
    _alias(r"gpt ?4o ?transcribe", "gpt-4o-transcribe"),
    _alias(r"gpt ?4o ?(?:rt|realtime|rtime) ?(?:aud|txt)?", "gpt-4o-realtime-preview"),
    _alias(r"gpt ?4o ?(?:aud|audio)", "gpt-4o-audio-preview"),
    _alias(r"gpt ?4o ?mini", "gpt-4o-mini"),
    _alias(r"gpt ?4o", "gpt-4o"),
)

_GPT_4X: tuple[ModelAlias, ...] = (
    _alias(r"gpt ?4\.1 ?mini", "gpt-4.1-mini"),
    _alias(r"gpt ?4\.1 ?nano", "gpt-4.1-nano"),
    _alias(r"gpt ?4\.1", "gpt-4.1"),
    _alias(r"gpt ?4\.5", "gpt-4.5-preview"),
    _alias(r"gpt ?4 ?32k", "gpt-4-32k"),
    # GPT-4 Turbo is ARM model `gpt-4` (version `turbo-2024-04-09`, `1106-Preview`, ...).
    _alias(r"gpt ?4 ?(?:8k|turbo ?(?:128k)?)", "gpt-4"),
)

# `gpt-35-turbo-16K-0125` is gpt-35-turbo version 0125 (16K context), not ARM `gpt-35-turbo-16k`.
_GPT_35: tuple[ModelAlias, ...] = (
    _alias(r"gpt ?35 ?turbo ?16k(?= 0125)", "gpt-35-turbo"),
    _alias(r"gpt ?35 ?turbo ?(?:4k|16k)(?= ft\b)", "gpt-35-turbo"),
    _alias(r"gpt ?35 ?turbo ?16k", "gpt-35-turbo-16k"),
    _alias(r"gpt ?35 ?turbo ?instruct", "gpt-35-turbo-instruct"),
    _alias(r"gpt ?35 ?trb ?16k", "gpt-35-turbo", odd_versions={"125": "0125"}),
    _alias(r"gpt ?35 ?turbo(?: ?4k)?", "gpt-35-turbo"),
)

_GPT_5: tuple[ModelAlias, ...] = (
    _alias(r"gpt ?5 ?mini", "gpt-5-mini"),
    _alias(r"gpt ?5 ?nano", "gpt-5-nano"),
    _alias(r"gpt ?5 ?chat", "gpt-5-chat"),
    _alias(r"gpt ?5 ?codex", "gpt-5-codex"),
    _alias(r"gpt ?5(?: rsng)?(?= )", "gpt-5"),
)

_REASONING: tuple[ModelAlias, ...] = (
    _alias(r"o1 ?preview", "o1-preview"),
    _alias(r"o1 ?mini", "o1-mini"),
    _alias(r"o1 ?pro", "o1-pro"),
    _alias(r"o1(?= )", "o1"),
    _alias(r"o3 ?deep ?research", "o3-deep-research"),
    _alias(r"o3 ?mini", "o3-mini"),
    _alias(r"o3 ?pro", "o3-pro"),
    _alias(r"o3(?= )", "o3"),
    _alias(r"o4 ?mini", "o4-mini"),
    _alias(r"codex ?mini", "codex-mini"),
    _alias(r"computer ?use", "computer-use-preview"),
)

_OTHER_TEXT: tuple[ModelAlias, ...] = (
    _alias(r"gpt ?oss ?120b", "gpt-oss-120b"),
    _alias(r"gpt ?oss ?20b", "gpt-oss-20b"),
    _alias(r"babbage ?002", "babbage-002"),
    _alias(r"davinci ?002", "davinci-002"),
)

_EMBEDDINGS: tuple[ModelAlias, ...] = (
    _alias(r"text ?embedding ?3 ?large", "text-embedding-3-large", TokenKind.INPUT),
    _alias(r"text ?embedding ?3 ?small", "text-embedding-3-small", TokenKind.INPUT),
    _alias(r"(?:text ?)?embedding ?ada(?: ?002)?", "text-embedding-ada-002", TokenKind.INPUT),
)

_MEDIA: tuple[ModelAlias, ...] = (
    _alias(r"gpt ?image ?1 ?mini", "gpt-image-1-mini"),
    _alias(r"gpt ?image ?1", "gpt-image-1"),
    _alias(r"image ?dall ?e ?3", "dall-e-3", TokenKind.IMAGE),
    _alias(r"image ?dall ?e ?2", "dall-e-2", TokenKind.IMAGE),
    _alias(r"sora ?2(?= )", "sora-2", TokenKind.VIDEO_SECOND),
    _alias(r"sora", "sora", TokenKind.VIDEO_SECOND),
    # Billed per hour of audio, not per token; `Batch` here is the Speech batch API, not Batch mode.
    _alias(r"speech ?to ?text(?: ?batch)? ?whisper", "whisper", TokenKind.OTHER),
    # Billed per 1M characters.
    _alias(r"speech ?text ?to ?speech ?hd", "tts-hd", TokenKind.OTHER),
    _alias(r"speech ?text ?to ?speech", "tts", TokenKind.OTHER),
)

MODEL_ALIASES: tuple[ModelAlias, ...] = (
    *_GPT_4O,
    *_GPT_4X,
    *_GPT_35,
    *_GPT_5,
    *_REASONING,
    *_OTHER_TEXT,
    *_EMBEDDINGS,
    *_MEDIA,
)


def find_model(normalised_name: str) -> tuple[ModelAlias, str] | None:
    """The first alias that matches the start of the name, and the rest of the name after it."""
    for alias in MODEL_ALIASES:
        found = alias.match(normalised_name)
        if found is not None:
            return alias, normalised_name[found.end() :].strip()
    return None
