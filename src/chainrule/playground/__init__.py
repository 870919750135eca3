"""Layer 6, the playground: a local web page that trains a network as TensorFlow Playground
does and shows what it hides (equations, matrices, gradients, the gradient check).

Imports the core, :mod:`chainrule.train` and :mod:`chainrule.learn`; the command line starts
it (``chainrule playground``). Needs the ``[playground]`` extra (Starlette, uvicorn).
"""
