"""How the model executes: precision, memory format, compilation and conv-BN fusion.

``plan`` reads the config keys ``precision``, ``channels_last`` and
``compile`` into a :class:`~mmaction.engine.speed.plan.SpeedPlan`; the other
modules are its parts: ``precision``, ``memory_format``, ``model_compile``,
``fuse_conv_bn`` and ``bf16_optim_wrapper``.
"""
