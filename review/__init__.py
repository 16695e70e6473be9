"""ReviewMap: a scoping review from raw search exports to the evidence map.

`review/` holds every rule of the tool; it never imports streamlit. The Streamlit pages in
`app_pages/` and the command line in `review/cli.py` are thin layers over it.
"""

__version__ = "0.1.0"
