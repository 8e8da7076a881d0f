"""Movie requests: a user asks for a movie the catalog lacks; the backend gets it.

requested -> approved -> acquiring -> transcoding -> ready, or rejected / failed.
Each step after approval is a message on the movie-requests queue (`loop`); the last one
is the transcode pipeline's, and `fulfilment` tells the requesters. This context owns the
requests table and reaches the catalog, TMDb and e-mail through their service functions.
"""
