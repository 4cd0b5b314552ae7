"""MMAction2 0.x configs: loading, checking, and translation into mmengine's Runner arguments.

``loader`` reads a config file and ``--cfg-options``; ``checks`` holds the
key checks and the messages that name the key at fault; ``convert`` turns a
0.x config into the Runner's keyword arguments, with one module per topic:
``data`` (data loaders, datasets), ``optim`` (optimizer and its wrapper),
``schedule`` (learning-rate policies) and ``runtime`` (evaluation, logging,
checkpoints, environment). The other way, ``to_zero_x`` translates a 1.x
config into 0.x, and ``writer`` (behind ``tools/convert_config.py``) writes a
config in the other dialect (0.x ones in 1.x's idiom, ``idiom_one_x``).
"""
