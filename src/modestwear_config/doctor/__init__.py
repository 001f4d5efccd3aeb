"""The configuration doctor (report.py: ``manage.py config``, ``python -m modestwear_config.doctor``) and
the generated reference (docs.py: ``python -m modestwear_config.doctor.docs --write``)."""
