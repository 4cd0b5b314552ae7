"""Print a config with its ``_base_`` files and ``--cfg-options`` merged in.

Examples::

    python tools/analysis/print_config.py configs/recognition/tpn/tpn_slowonly_r18_synthetic_rgb.py \
        --cfg-options total_epochs=4 data.videos_per_gpu=2

The output is itself a config file (``> resolved.py``): it ends with
comments that name the config's dialect and, for every top-level key, the
handler that reads it (or ``helper variable``).
"""

import argparse
import sys
from typing import List, Optional


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmaction.engine.cli import add_cfg_options

    parser = argparse.ArgumentParser(description='Print the fully resolved config')
    parser.add_argument('config', help='config file path')
    add_cfg_options(parser)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> str:
    """Print and return the resolved config text."""
    args = parse_args(argv)
    from mmaction.engine import cli_guard, load_config
    from mmaction.engine.config.loader import config_dialect, describe_keys

    with cli_guard():
        cfg = load_config(args.config, args.cfg_options)
        rows = describe_keys(cfg)
        dialect = config_dialect(cfg)
    width = max(len(key) for key, _ in rows)
    lines = [f'# config dialect: MMAction2 {dialect}', '# key, and what reads it:']
    lines += [f'#   {key:<{width}}  {handler}' for key, handler in rows]
    text = cfg.pretty_text + '\n' + '\n'.join(lines) + '\n'
    print(text)
    return text


if __name__ == '__main__':
    main(sys.argv[1:])
