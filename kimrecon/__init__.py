"""kimrecon: reconcile forwarded KIM grant money (Baustein II) down the Kreis → town chain."""

__version__ = "0.1.0"
