"""The cloud stack: what `make package` merges into Chalice's template, per stage.

Nothing here runs in Lambda (Chalice bundles `app.py` and `chalicelib/` only). The
resources of `template-localstack.yml` are the base; this package adds the ECS Fargate
transcoder, CloudFront delivery, alarms and one least-privilege role per function.
"""
