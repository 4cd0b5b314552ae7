"""The one reader (and writer) of MMAction2 0.x annotation lists.

Layouts (``kind``):

``'video'``
    ``path label [label ...]``, as :class:`~.VideoDataset` reads it.
``'rawframes'``
    ``frame_dir total_frames label [label ...]``, or with ``with_offset``
    ``frame_dir offset total_frames label [label ...]``, as
    :class:`~.RawframeDataset` reads it.
``'any'``
    either of the two single-label layouts, told apart line by line (a
    middle integer column is ``total_frames``): for tools that score or
    check a list without knowing which data set it belongs to.

A ``.json`` file is 0.x's list of dicts (``filename`` or ``frame_dir``,
``label``, optionally ``total_frames`` and ``offset``). Parsing is strict: a
line without a label, a label that is not an integer, a column that is not
an integer, or a file with no sample is an
:class:`~mmaction.utils.errors.AnnotationError` that names the file and line
(the datasets check the values too: ``total_frames`` positive, labels below
``num_classes``).

Text lists are parsed as bytes, with a fast path for the common line: a
Kinetics-sized list (240,000 lines) loads in a fraction of a second.
"""

import json
import os
from typing import Dict, List, Sequence, Union

from mmaction.utils.errors import AnnotationError

__all__ = [
    'INT_KEYS',
    'KINDS',
    'PATH_KEYS',
    'format_annotation_line',
    'parse_labels',
    'path_column',
    'read_annotation_list',
]

#: The layouts :func:`read_annotation_list` reads.
KINDS = ('video', 'rawframes', 'any')
#: The string column that names a sample's data, one per layout.
PATH_KEYS = ('filename', 'frame_dir')
#: The integer columns a sample may have besides its labels.
INT_KEYS = ('total_frames', 'offset')

#: Columns: ``{path key: [str | bytes], 'label': [int | [int]], 'lineno': [int], ...}``.
Columns = Dict[str, list]
_ANY_LAYOUT = '"path label" or "frame_dir total_frames label" (a class index last)'


def read_annotation_list(
    path: Union[str, os.PathLike],
    kind: str = 'video',
    multi_class: bool = False,
    with_offset: bool = False,
    delimiter: str = ' ',
) -> Columns:
    """Parse an annotation list into columns, one entry per sample.

    Args:
        path: The list (text, or ``.json``).
        kind: ``'video'``, ``'rawframes'`` or ``'any'`` (see the module doc);
            a ``.json`` list names its own path key.
        multi_class: Several labels per line; each label entry is then a list.
        with_offset: ``'rawframes'`` lines have an offset column.
        delimiter: What separates the path from the labels of a ``'video'``
            line (MMAction2 1.x's ``VideoDataset(delimiter=...)``, for paths
            with spaces); ``' '`` splits at any whitespace.

    Returns:
        ``{path key: [...], 'label': [...], 'lineno': [...]}`` plus the
        ``total_frames`` and ``offset`` columns the layout has. Text paths
        are UTF-8 bytes (datasets store them packed), JSON paths strings.

    Raises:
        FileNotFoundError: There is no such file.
        AnnotationError: A malformed line or entry (file and line named), or no sample.
    """
    path = os.fspath(path)
    if kind not in KINDS:
        raise ValueError(f'kind must be one of {KINDS}, got {kind!r}')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'annotation file not found: {path}')
    if path.endswith('.json'):
        columns = _read_json(path, multi_class)
    else:
        with open(path, 'rb') as file:
            lines = file.read().splitlines()
        if kind == 'video':
            columns = _read_video_lines(path, lines, multi_class, delimiter)
        elif kind == 'rawframes':
            columns = _read_rawframe_lines(path, lines, multi_class, with_offset)
        else:
            columns = _read_any_lines(path, lines)
    if not columns['lineno']:
        raise AnnotationError(f'annotation file {path} has no samples')
    return columns


def format_annotation_line(record: dict) -> str:
    """One line of a text list from a record (``filename`` or ``frame_dir`` layout)."""
    labels = record['label'] if isinstance(record['label'], list) else [record['label']]
    label_text = ' '.join(str(label) for label in labels)
    if 'frame_dir' in record:
        ints = [record['offset']] if 'offset' in record else []
        ints.append(record['total_frames'])
        return f'{record["frame_dir"]} {" ".join(map(str, ints))} {label_text}'
    return f'{record["filename"]} {label_text}'


def parse_labels(
    tokens: Sequence[Union[str, bytes]], multi_class: bool, path: str, lineno: int
) -> Union[int, List[int]]:
    """The int label (or labels, with ``multi_class``) of one line's label tokens."""
    tokens = [token.decode() if isinstance(token, bytes) else token for token in tokens]
    if not tokens:
        raise AnnotationError(f'{path}, line {lineno}: missing label')
    if not multi_class and len(tokens) != 1:
        raise AnnotationError(
            f'{path}, line {lineno}: expected one label, got {tokens} '
            '(set multi_class=True for multi-label annotations)'
        )
    try:
        labels = [int(token) for token in tokens]
    except ValueError:
        raise AnnotationError(
            f'{path}, line {lineno}: labels must be integers, got {tokens}'
        ) from None
    return labels if multi_class else labels[0]


def _tokens(line: bytes, delimiter: bytes) -> List[bytes]:
    if not line.strip():
        return []
    return [token.strip() for token in line.strip().split(delimiter)]


def _read_video_lines(
    path: str, lines: List[bytes], multi_class: bool, delimiter: str = ' '
) -> Columns:
    filenames, labels, linenos = [], [], []
    single = not multi_class
    sep = delimiter.encode()
    for lineno, line in enumerate(lines, 1):
        tokens = line.split() if delimiter == ' ' else _tokens(line, sep)
        if len(tokens) == 2 and single and tokens[1].isdigit():
            label = int(tokens[1])  # the common case, without a call
        elif not tokens:
            continue
        else:
            label = parse_labels(tokens[1:], multi_class, path, lineno)
        filenames.append(tokens[0])
        labels.append(label)
        linenos.append(lineno)
    return {'filename': filenames, 'label': labels, 'lineno': linenos}


def _read_rawframe_lines(
    path: str, lines: List[bytes], multi_class: bool, with_offset: bool
) -> Columns:
    frame_dirs, totals, offsets, labels, linenos = [], [], [], [], []
    num_ints = 2 if with_offset else 1
    fast_length = 2 + num_ints if not multi_class else -1
    for lineno, line in enumerate(lines, 1):
        tokens = line.split()
        if len(tokens) == fast_length and tokens[-1].isdigit() and tokens[-2].isdigit():
            # The common case (one non-negative label), without calls.
            label = int(tokens[-1])
            ints = tokens[1:-1]
        elif not tokens:
            continue
        else:
            ints = _rawframe_ints(tokens, num_ints, path, lineno, line)
            label = parse_labels(tokens[1 + num_ints :], multi_class, path, lineno)
        frame_dirs.append(tokens[0])
        if num_ints == 2:
            offsets.append(int(ints[0]))
        totals.append(int(ints[-1]))
        labels.append(label)
        linenos.append(lineno)
    columns = {'frame_dir': frame_dirs, 'total_frames': totals, 'label': labels, 'lineno': linenos}
    if with_offset:
        columns['offset'] = offsets
    return columns


def _rawframe_ints(
    tokens: List[bytes], num_ints: int, path: str, lineno: int, line: bytes
) -> List[int]:
    try:
        ints = [int(token) for token in tokens[1 : 1 + num_ints]]
    except ValueError:
        ints = []
    if len(ints) != num_ints:
        columns = 'frame_dir offset total_frames' if num_ints == 2 else 'frame_dir total_frames'
        raise AnnotationError(
            f'{path}, line {lineno}: expected "{columns} label" with integer '
            f'{columns.split(" ", 1)[1]}, got {line.decode(errors="replace")!r}'
        )
    return ints


def _read_any_lines(path: str, lines: List[bytes]) -> Columns:
    """``path label`` and ``frame_dir total_frames label`` lines, single-label, mixed."""
    paths, labels, linenos = [], [], []
    for lineno, line in enumerate(lines, 1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) not in (2, 3) or not all(token.isdigit() for token in tokens[1:]):
            raise AnnotationError(
                f'{path}, line {lineno}: expected {_ANY_LAYOUT}, '
                f'got {line.decode(errors="replace").strip()!r}'
            )
        paths.append(tokens[0])
        labels.append(int(tokens[-1]))
        linenos.append(lineno)
    return {'filename': paths, 'label': labels, 'lineno': linenos}


def _read_json(path: str, multi_class: bool) -> Columns:
    """A 0.x JSON list (of dicts) into columns; its first entry names the columns."""
    with open(path, encoding='utf-8') as file:
        infos = json.load(file)
    if not isinstance(infos, list) or not infos:
        raise AnnotationError(f'{path}: expected a non-empty JSON list of dicts')
    path_key = 'frame_dir' if 'frame_dir' in infos[0] else 'filename'
    columns: Columns = {path_key: [], 'label': [], 'lineno': []}
    for key in INT_KEYS:
        if key in infos[0]:
            columns[key] = []
    for number, info in enumerate(infos, 1):
        missing = [key for key in columns if key not in ('lineno',) and key not in info]
        if missing:
            raise AnnotationError(f'{path}, entry {number}: missing key(s) {missing}')
        label = info['label']
        tokens = [str(item) for item in (label if isinstance(label, list) else [label])]
        columns[path_key].append(info[path_key])
        columns['label'].append(parse_labels(tokens, multi_class, path, number))
        columns['lineno'].append(number)
        for key in INT_KEYS:
            if key in columns:
                columns[key].append(_json_int(info, key, path, number))
    return columns


def _json_int(info: dict, key: str, path: str, number: int) -> int:
    value = info[key]
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise AnnotationError(
            f'{path}, entry {number}: {key} must be a non-negative integer, got {value!r}'
        )
    return int(value)


def path_column(columns: Columns) -> List[str]:
    """The paths (``filename`` or ``frame_dir``) of parsed columns, as strings."""
    key = next(key for key in PATH_KEYS if key in columns)
    return [p.decode() if isinstance(p, bytes) else p for p in columns[key]]
