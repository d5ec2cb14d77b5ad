"""What an audit is turned into: the tables (:mod:`.tables`), the HTML report
(:mod:`.report`), the gate and its text/JSON/SARIF formats (:mod:`.gate`), and
the output folder they are written into whole or not at all
(:mod:`.folder`, :mod:`.writer`)."""
