"""The emulator judges requests as AWS does, before moto acts on them.

moto answers almost any well-formed request; AWS refuses many. This package holds what AWS
refuses, one module per concern, each rule with where AWS documents it:

- java_regex: the `pattern` constraints of AWS's API models (java.util.regex) in Python.
- api_model: a request's parameters against its operation's input shape (required, lengths,
  ranges, patterns, enums, nested lists/maps/structures), worded as AWS words it.
- request_params / s3_operations: which operation a request is and its parameters, read by its
  protocol with moto's own parsers (S3 matched against S3's model).
- errors: each service's error code and message form for a refused request.
- documented_limits: the table of limits AWS documents that the models lack.
- logs_filter_pattern: a parser of CloudWatch Logs filter patterns.
- settings: which checks are on (strict by default; --lenient turns them off) and the emulated
  accounts' quotas.
- judge: the decision for one request (used by moto_patches/strict_requests.py, which hooks
  it into moto's dispatch, and by moto_patches/lambda_concurrency_quota.py for the quota).

It lives outside moto_patches on purpose: moto serializes an exception by looking up the moto
package its class was defined in (errors.Refusal says why).
"""
