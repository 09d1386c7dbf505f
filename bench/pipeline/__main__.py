from bench.pipeline.run import main

raise SystemExit(main())
