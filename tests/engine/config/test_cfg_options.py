"""--cfg-options values: parsed as literals or mmengine's list syntax, one clear line otherwise."""

import argparse

import pytest

from mmaction.engine import ConfigError
from mmaction.engine.cli import add_cfg_options
from mmaction.engine.config.cfg_options import RawCfgOptions, parse_cfg_options, parse_value


@pytest.mark.parametrize(
    'text, value',
    [
        ('8', 8),
        ('0.1', 0.1),
        ('1e-3', 0.001),
        ("'abc'", 'abc'),
        ('abc', 'abc'),
        ('[1, 2]', [1, 2]),
        ('(1, 2)', (1, 2)),
        ('[a,b]', ['a', 'b']),
        ('a,b', ['a', 'b']),
        ('[(1,2),(3,4)]', [(1, 2), (3, 4)]),
        ("{'k': 1}", {'k': 1}),
        ('True', True),
        ('true', True),
        ('None', None),
    ],
)
def test_values_parse_as_mmengine_did(text, value):
    assert parse_value('key', text) == value


def test_a_call_is_one_line_saying_how_to_write_it():
    # mmengine's DictAction recursed until RecursionError on this value.
    text = "[dict(type='SampleFrames', clip_len=8)]"
    with pytest.raises(ConfigError) as err:
        parse_value('data.test.pipeline', text)
    message = str(err.value)
    assert '\n' not in message
    assert message.startswith(f'--cfg-options data.test.pipeline={text}: the value could not be')
    assert 'data.test.pipeline.0.clip_len=8' in message


def test_the_command_line_keeps_the_text_until_the_config_is_loaded():
    parser = argparse.ArgumentParser()
    add_cfg_options(parser)
    args = parser.parse_args(['--cfg-options', 'a=1', 'b=[dict(x=1)]', 'c=[1,2]'])
    assert isinstance(args.cfg_options, RawCfgOptions)
    assert args.cfg_options == {'a': '1', 'b': '[dict(x=1)]', 'c': '[1,2]'}
    with pytest.raises(ConfigError, match='b='):
        parse_cfg_options(args.cfg_options)
    assert parse_cfg_options(RawCfgOptions(a='1', c='[1,2]')) == {'a': 1, 'c': [1, 2]}
    assert parse_cfg_options({'a': '1'}) == {'a': '1'}  # parsed values pass through
    with pytest.raises(SystemExit):
        parser.parse_args(['--cfg-options', 'novalue'])
