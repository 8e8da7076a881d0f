from transcoder.cli import configure_logging, main

configure_logging()
raise SystemExit(main())
